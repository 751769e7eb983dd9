import type { EvalGeneration, EvalModel, EvalRequest } from "../model.js";

/** A generation with the runtime's timings (nanoseconds); the runtime's GenerateResult fits. */
export interface TimedGeneration extends EvalGeneration {
  timings: { evalNs: number };
}

/** A loaded model that reports timings: the runtime's RuntimeModel fits. */
export interface TimedModel extends EvalModel {
  generate(req: EvalRequest): Promise<TimedGeneration>;
  close(): Promise<void>;
}

/** Tokens generated to measure decode speed. */
export const SPEED_TOKENS = 64;
/** Characters of the compare text used as the prompt (or DEFAULT_SPEED_PROMPT without one). */
export const SPEED_PROMPT_CHARS = 200;
export const DEFAULT_SPEED_PROMPT = "Once upon a time";

/**
 * Decode speed, as `run --verbose` reports it ("eval rate"): tokens generated
 * / time from the first generated token to the last, of one raw generation
 * (no template) of up to SPEED_TOKENS tokens at temperature 0 on one sequence.
 * Null when the model stops before a second token (no time to divide by).
 */
export async function decodeSpeed(model: TimedModel, text: string | undefined): Promise<number | null> {
  const prompt = text?.slice(0, SPEED_PROMPT_CHARS).trim() || DEFAULT_SPEED_PROMPT;
  const g = await model.generate({ prompt, raw: true, options: { num_predict: SPEED_TOKENS, temperature: 0 } });
  return g.completionTokens < 2 || g.timings.evalNs <= 0 ? null : g.completionTokens / (g.timings.evalNs / 1e9);
}
