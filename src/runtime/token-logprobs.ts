import type { LlamaContextSequence, Token } from "node-llama-cpp";

/**
 * The natural log of the probability the model gave each generated token,
 * read by evaluating the generation again on its own sequence: the state is
 * cut back to the prompt less its last token, then that token and every
 * generated token but the last are evaluated in one batch, each asking for the
 * next token's distribution. A distribution is the softmax of the raw logits
 * over the whole vocabulary (no sampler changes them: the greedy sampler of
 * `controlledEvaluate` leaves the logits alone), as llama-server reports
 * `n_probs` log-probabilities to Ollama, whatever temperature, top-k, penalties
 * or grammar chose the tokens. Why again and not while sampling: node-llama-cpp's
 * per-token `confidence` is taken after the sampler chain (temperature, top-k
 * truncation), so it is another number under any setting but greedy.
 *
 * Undefined when the prompt and the generation do not fit the context together
 * (a context shift happened while generating): the tokens before them are gone.
 */
export async function generatedLogprobs(sequence: LlamaContextSequence, prompt: readonly Token[], generated: readonly Token[]): Promise<number[] | undefined> {
  if (generated.length === 0) return [];
  if (prompt.length + generated.length > sequence.contextSize) return undefined;
  await sequence.adaptStateToTokens(prompt.slice(0, -1), false);
  const kept = sequence.nextTokenIndex;
  const want = { generateNext: { probabilities: true } } as const;
  const input: Token[] = [...prompt.slice(kept), ...generated.slice(0, -1)];
  // The distribution after input[j] predicts generated[j - first]: from the prompt's last token on.
  const first = prompt.length - 1 - kept;
  const out = Array.from({ length: generated.length }, () => Number.NaN);
  const items = input.map((token, j) => (j >= first ? ([token, want] as [Token, typeof want]) : token));
  await sequence.controlledEvaluate(items, {
    onTokenResult: (j, result) => {
      const probs = result.next.probabilities;
      if (!probs) return;
      const i = j - first;
      out[i] = Math.log(probs.get(generated[i]!) ?? 0);
    },
  });
  return out.some(Number.isNaN) ? undefined : out;
}
