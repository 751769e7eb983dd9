import { ORACLE_DEFAULT_EOS, ORACLE_DEFAULT_TEXT, oracleVocab, type OracleVocab } from "./oracleVocab.js";
import type { OracleLlamaSpec } from "./oracleLlama.js";
import { spmDetokenize, spmTokenize } from "./spmTokenize.js";

export interface OracleContinuation {
  /** The prompt's tokens as llama.cpp makes them (BOS first). */
  promptTokens: number[];
  /** The tokens greedy decoding emits, at most `nTokens`, EOS not included. */
  tokens: number[];
  /**
   * Their text as llama.cpp's llama_detokenize gives it for a whole response (what
   * node-llama-cpp's LlamaCompletion returns): one leading space removed.
   */
  text: string;
  /** The pieces' text as they are: " fox jumps ..." when the first token is "▁fox". */
  rawText: string;
  /** True when generation ended at EOS before `nTokens`. */
  stopped: boolean;
}

/**
 * What the oracle model built from `spec` generates after `prompt` with greedy
 * sampling, computed without running it: tokenize the prompt as llama.cpp does,
 * then follow the model's next-token function from the last prompt token.
 */
export function oracleContinuation(spec: OracleLlamaSpec, prompt: string, nTokens: number): OracleContinuation {
  const ov = oracleVocab(spec.text ?? ORACLE_DEFAULT_TEXT, spec.endWithEos ?? ORACLE_DEFAULT_EOS, spec.punctuationWords ?? true);
  return followSuccessors(ov, ov.next, prompt, nTokens);
}

/**
 * Greedy decoding of a model whose next token depends only on the last one:
 * tokenize `prompt` with the oracle vocabulary, then follow `next` from the
 * last prompt token until EOS or `nTokens` tokens.
 */
export function followSuccessors(ov: OracleVocab, next: readonly number[], prompt: string, nTokens: number): OracleContinuation {
  const promptTokens = spmTokenize(ov.index, prompt);
  const tokens: number[] = [];
  let last = promptTokens[promptTokens.length - 1]!;
  let stopped = false;
  while (tokens.length < nTokens) {
    last = next[last]!;
    if (last === ov.vocab.eos) {
      stopped = true;
      break;
    }
    tokens.push(last);
  }
  const rawText = spmDetokenize(ov.vocab, tokens);
  return { promptTokens, tokens, text: rawText.startsWith(" ") ? rawText.slice(1) : rawText, rawText, stopped };
}
