import { LlamaGrammarEvaluationState, type LlamaContextSequence, type LlamaGrammar, type SequenceEvaluateOptions, type Token } from "node-llama-cpp";
import type { Lockstep } from "./lockstep.js";
import type { SamplePlan } from "./plan.js";
import { loneSampler, stepOnThread } from "./sample-guard.js";
import { sequenceIdOf } from "./sequence-pool.js";
import { StopScanner } from "./stop-scanner.js";
import { TokenText } from "./token-text.js";
import type { GenerateResult } from "./types.js";

export interface GenerationInput {
  sequence: LlamaContextSequence;
  /** The prompt's tokens, BOS included, already fitted to the context. */
  prompt: Token[];
  plan: SamplePlan;
  grammar?: LlamaGrammar;
  signal?: AbortSignal;
  onToken?: (text: string) => void;
  /** Keeps this generation in step with the others on the same context, so their tokens decode in one batch. */
  lockstep?: Lockstep;
  /**
   * While the lockstep says this generation is alone on its context, take each next token with stepOnThread (a
   * context decoding on its thread: openModel's decodeOnThread) instead of node-llama-cpp's evaluate; default false.
   */
  stepAlone?: boolean;
}

const nowNs = () => Number(process.hrtime.bigint());

/**
 * Evaluates the prompt on `sequence` (reusing the state it shares with the
 * sequence's previous tokens) and samples until EOS/EOT ("stop"), a stop
 * sequence ("stop", cut before it), num_predict tokens (bounded: 10 x num_ctx
 * when unset, see boundedNumPredict) or a full context under num_predict -2 ("length"), or the signal ("abort"). When the context fills
 * otherwise, it shifts as Ollama's does: the first num_keep tokens stay and half
 * of the rest is dropped. Timings: prompt eval is the time to the first
 * sampled token, eval the time from there to the end.
 */
export async function generateOnSequence(input: GenerationInput): Promise<Omit<GenerateResult, "timings"> & { promptEvalNs: number; evalNs: number; tokens: Token[] }> {
  const { sequence, prompt, plan, signal } = input;
  const model = sequence.model;
  const start = nowNs();
  let firstAt = start;
  let text = "";
  let completionTokens = 0;
  let finishReason: GenerateResult["finishReason"] = "stop";
  const emit = (chunk: string) => {
    if (chunk === "") return;
    text += chunk;
    input.onToken?.(chunk);
  };
  if (signal?.aborted) return { text, finishReason: "abort", promptTokens: prompt.length, completionTokens, promptEvalNs: 0, evalNs: 0, tokens: [] };

  const history = [...prompt];
  const last = prompt[prompt.length - 1]!;
  await sequence.adaptStateToTokens(prompt.slice(0, -1), false);
  const toEvaluate = [...prompt.slice(sequence.nextTokenIndex, -1), last];
  const numKeep = plan.numKeep < 0 ? prompt.length : Math.min(plan.numKeep, prompt.length);
  const penalties = plan.repeatLastN > 0 && (plan.repeatPenalty !== 1 || plan.presencePenalty !== 0 || plan.frequencyPenalty !== 0);
  const options: SequenceEvaluateOptions = {
    temperature: plan.temperature,
    topK: plan.topK,
    topP: plan.topP,
    minP: plan.minP,
    ...(plan.seed !== undefined ? { seed: plan.seed } : {}),
    ...(input.grammar ? { grammarEvaluationState: new LlamaGrammarEvaluationState({ model, grammar: input.grammar }) } : {}),
    ...(penalties
      ? {
          repeatPenalty: {
            punishTokens: () => history.slice(-plan.repeatLastN),
            maxPunishTokens: plan.repeatLastN,
            penalty: plan.repeatPenalty,
            presencePenalty: plan.presencePenalty,
            frequencyPenalty: plan.frequencyPenalty,
          },
        }
      : {}),
    contextShift: {
      size: (s) => Math.max(1, Math.floor((s.contextSize - numKeep) / 2)),
      strategy: ({ size }) => [{ start: numKeep, end: numKeep + size }],
    },
  };

  const pieces = new TokenText(model, prompt);
  const stops = new StopScanner(plan.stop);
  let stopped = false;
  const lockstep = input.lockstep;
  const order = sequenceIdOf(sequence);
  // Steps on this thread (stepOnThread) only where nothing of node-llama-cpp's evaluate is needed between tokens: no
  // grammar (its state), no checkpoints (hybrid, recurrent or sliding-window models take them after decodes).
  const stepping = input.stepAlone === true && lockstep !== undefined && input.grammar === undefined && !sequence.needsCheckpoints;
  /** The sampler node-llama-cpp's evaluate created for this generation, once known (loneSampler). */
  let sampler: object | undefined;
  await lockstep?.join(order);
  const tokens = sequence.evaluate(toEvaluate, options)[Symbol.asyncIterator]();
  try {
    let next = await tokens.next();
    while (!next.done) {
      const token = next.value;
      if (completionTokens === 0) firstAt = nowNs();
      completionTokens++;
      history.push(token);
      const scanned = stops.push(pieces.push(token));
      emit(scanned.emit);
      if (scanned.stopped) {
        stopped = true;
        break;
      }
      if (signal?.aborted) {
        finishReason = "abort";
        break;
      }
      if ((plan.numPredict > 0 && completionTokens >= plan.numPredict) || (plan.numPredict === -2 && sequence.nextTokenIndex >= sequence.contextSize - 1)) {
        finishReason = "length";
        break;
      }
      await lockstep?.arrive(order);
      let stepped: Token | null | undefined;
      if (stepping && lockstep!.alone()) {
        sampler ??= loneSampler(sequence.context, token);
        if (sampler) stepped = await stepOnThread(sequence.context, sequence, sampler, token);
      }
      if (stepped === undefined) {
        // node-llama-cpp decodes `token` (after steps, its own last token is an earlier one) and samples the next.
        next = await tokens.next(token);
      } else if (stepped === null) {
        throw new Error("Failed to sample next token"); // as node-llama-cpp's evaluate says it
      } else if (model.isEogToken(stepped)) {
        break; // the end of the answer: not yielded, as node-llama-cpp's evaluate ends
      } else {
        next = { done: false, value: stepped };
      }
    }
  } finally {
    lockstep?.leave();
    await tokens.return(undefined);
  }
  if (!stopped) emit(stops.flush());
  const end = nowNs();
  return {
    text,
    finishReason,
    promptTokens: prompt.length,
    completionTokens,
    promptEvalNs: (completionTokens === 0 ? end : firstAt) - start,
    evalNs: completionTokens === 0 ? 0 : end - firstAt,
    // The sampled tokens, those of a stop sequence included (EOS/EOT is not one: the sequence ends without yielding it).
    tokens: history.slice(prompt.length),
  };
}
