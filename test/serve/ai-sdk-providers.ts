/**
 * The Vercel AI SDK's two providers pointed at a running `serve`, as the
 * client tests use them: `ollama-ai-provider-v2` on /api and
 * `@ai-sdk/openai-compatible` on /v1 (structured outputs on), each with the
 * provider options that ask it to think; the zod schema the structured
 * output tests ask for; and the weather model's tool.
 */
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { tool, type LanguageModel } from "ai";
import { createOllama } from "ollama-ai-provider-v2";
import { z } from "zod";
import { WEATHER_TOOL } from "./helpers.js";

export interface AiSdkProvider {
  name: string;
  model: (id: string) => LanguageModel;
  /** providerOptions that turn thinking on (the Ollama provider sends think: false unless told). */
  think: Record<string, Record<string, boolean>>;
}

export function aiSdkProviders(url: string): AiSdkProvider[] {
  const ollama = createOllama({ baseURL: `${url}/api` });
  const compatible = createOpenAICompatible({ name: "modelsmith", baseURL: `${url}/v1`, apiKey: "k", supportsStructuredOutputs: true });
  return [
    { name: "ollama-ai-provider-v2", model: (id) => ollama(id), think: { ollama: { think: true } } },
    { name: "@ai-sdk/openai-compatible", model: (id) => compatible.chatModel(id), think: {} },
  ];
}

export const PERSON = z.object({ name: z.enum(["ann", "bob", "cy"]), ok: z.boolean(), kind: z.literal("person") });

/** The AI SDK's get_weather tool for the weather model's round trip: each input it is run with goes into `ran`; it answers "22 degrees". */
export function weatherTools(ran: unknown[]) {
  return {
    get_weather: tool({
      description: WEATHER_TOOL.function.description,
      inputSchema: z.object({ city: z.string() }),
      execute: async (input) => {
        ran.push(input);
        return "22 degrees";
      },
    }),
  };
}
