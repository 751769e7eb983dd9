import { defineCodes } from "../diagnostics/registry.js";

/** Diagnostic codes of the promptfoo parity audit (MS6320-MS6329). */
export const PROMPTFOO_PARITY_CODES = defineCodes({
  MS6320: {
    title: "promptfoo assertion type that modelsmith does not run",
    example: "assert:\n  - type: python\n    value: output.startswith('Hi')",
    fix: "The type is promptfoo's, but modelsmith does not run it (the message says why). Write the check with one modelsmith runs, usually `javascript` (the hint gives the equivalent), or drop it. modelsmith refuses the file rather than skip the assertion.",
  },
  MS6321: {
    title: "`not-` that promptfoo ignores",
    example: "assert:\n  - type: not-levenshtein\n    value: hello",
    fix: "promptfoo's handler for this type never reads `not-` (of the types modelsmith runs, only levenshtein's), so `not-levenshtein` grades exactly as `levenshtein`; modelsmith does the same and warns. To require a distance above a limit, write `javascript` instead.",
  },
});

/**
 * The types modelsmith runs whose promptfoo handler never reads `inverse`, so
 * that `not-<type>` grades exactly as `<type>`: modelsmith does the same and
 * warns (MS6321) when a test file negates one. Every other type's `not-`
 * inverts, as its promptfoo handler does (on main; perplexity and
 * perplexity-score read `inverse` there since handlers of before ignored it).
 * One list, read by the check (check-assertion.ts) and the grader
 * (assertions/extra.ts), and pinned type by type in
 * test/eval/promptfoo-parity.test.ts.
 * https://github.com/promptfoo/promptfoo/blob/main/src/assertions/levenshtein.ts
 */
export const NOT_IGNORED_TYPES: ReadonlySet<string> = new Set(["levenshtein"]);

/**
 * The assertion types promptfoo has (BaseAssertionTypesSchema and the special
 * ones, src/types/index.ts on main) that modelsmith does not run, each with
 * why and what to write instead. A test file naming one is refused (MS6320),
 * never skipped.
 */
const JS = "write it as a `javascript` assertion";
export const PROMPTFOO_ONLY_TYPES: Readonly<Record<string, { why: string; hint: string }>> = {
  python: { why: "modelsmith runs assertion code in Node only (decision: no Python assertions)", hint: `${JS}: the same expression over \`output\` and \`context\`, e.g. output.startsWith('Hi')` },
  ruby: { why: "modelsmith runs assertion code in Node only", hint: JS },
  webhook: { why: "modelsmith's tests run offline and call no URL", hint: JS },
  cost: { why: "a local model has no per-token price", hint: "use `latency` (milliseconds) for a budget" },
  "is-valid-openai-function-call": { why: "modelsmith's tests send no OpenAI functions to the model", hint: "check the output's JSON with `is-json` and a schema" },
  "is-valid-openai-tools-call": { why: "modelsmith's tests send no OpenAI tools to the model", hint: "check the output's JSON with `is-json` and a schema" },
  "is-valid-function-call": { why: "modelsmith's tests send no functions to the model", hint: "check the output's JSON with `is-json` and a schema" },
  "tool-call-f1": { why: "modelsmith's tests send no tools to the model", hint: "check the output's JSON with `is-json` and a schema" },
  "is-xml": { why: "modelsmith has no XML parser in its assertions", hint: JS },
  "contains-xml": { why: "modelsmith has no XML parser in its assertions", hint: JS },
  "is-html": { why: "modelsmith has no HTML parser in its assertions", hint: `${JS}, or a \`regex\`` },
  "contains-html": { why: "modelsmith has no HTML parser in its assertions", hint: `${JS}, or a \`regex\`` },
  "is-sql": { why: "modelsmith has no SQL parser in its assertions", hint: JS },
  "contains-sql": { why: "modelsmith has no SQL parser in its assertions", hint: JS },
  moderation: { why: "it calls a hosted moderation API", hint: "grade with `llm-rubric` and a project model" },
  classifier: { why: "it runs a Hugging Face classifier through a hosted API", hint: "grade with `llm-rubric` and a project model" },
  guardrails: { why: "it reads a hosted provider's guardrail verdict", hint: "grade with `llm-rubric` and a project model" },
  pi: { why: "it calls a hosted scoring API", hint: "grade with `llm-rubric` and a project model" },
  "is-refusal": { why: "modelsmith does not carry promptfoo's refusal phrase list", hint: "use `not-icontains-any` with the phrases that matter, or `llm-rubric`" },
  "g-eval": { why: "its multi-step grading prompts are not implemented", hint: "use `llm-rubric` with a project model" },
  "search-rubric": { why: "it needs a grader with web search", hint: "use `llm-rubric` with a project model" },
  "context-faithfulness": { why: "the RAG context assertions are not implemented", hint: "use `llm-rubric` with the context in the rubric" },
  "context-recall": { why: "the RAG context assertions are not implemented", hint: "use `llm-rubric` with the context in the rubric" },
  "context-relevance": { why: "the RAG context assertions are not implemented", hint: "use `llm-rubric` with the context in the rubric" },
  "conversation-relevance": { why: "multi-turn conversations are not graded", hint: "use `llm-rubric`" },
  gleu: { why: "only BLEU is implemented", hint: "use `bleu`" },
  meteor: { why: "METEOR needs WordNet, which modelsmith does not ship", hint: "use `bleu` or `rouge-n`" },
  "similar:dot": { why: "only cosine similarity is implemented", hint: "use `similar` (cosine)" },
  "similar:euclidean": { why: "only cosine similarity is implemented", hint: "use `similar` (cosine)" },
  "select-best": { why: "modelsmith grades each output alone, not outputs against each other", hint: "compare variants with `modelsmith test --compare`" },
  "max-score": { why: "modelsmith grades each output alone, not outputs against each other", hint: "compare variants with `modelsmith test --compare`" },
  human: { why: "it is set by promptfoo's web UI, not in a test file", hint: "remove it" },
  "skill-used": { why: "agent traces are not recorded", hint: "remove it" },
  "trace-error-spans": { why: "traces are not recorded", hint: "remove it" },
  "trace-span-count": { why: "traces are not recorded", hint: "remove it" },
  "trace-span-duration": { why: "traces are not recorded", hint: "use `latency`" },
  "trajectory:goal-success": { why: "agent trajectories are not recorded", hint: "remove it" },
  "trajectory:tool-args-match": { why: "agent trajectories are not recorded", hint: "remove it" },
  "trajectory:step-count": { why: "agent trajectories are not recorded", hint: "remove it" },
  "trajectory:tool-sequence": { why: "agent trajectories are not recorded", hint: "remove it" },
  "trajectory:tool-used": { why: "agent trajectories are not recorded", hint: "remove it" },
};

/** promptfoo's own type (maybe `not-`-prefixed) that modelsmith lacks: its entry, else undefined. */
export function promptfooOnlyType(name: string): { base: string; why: string; hint: string } | undefined {
  const base = name.startsWith("not-") ? name.slice(4) : name;
  const e = Object.hasOwn(PROMPTFOO_ONLY_TYPES, base) ? PROMPTFOO_ONLY_TYPES[base] : undefined;
  return e ? { base, ...e } : undefined;
}
