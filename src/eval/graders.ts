import type { CachedRun } from "./cache.js";
import type { Judged } from "./assertions/extra.js";
import { GRADED_TYPES, MODEL_TYPES } from "./assertions/extra.js";
import { ANSWER_RELEVANCY_GENERATE, DEFAULT_GRADING_PROMPT, OPENAI_CLOSED_QA_PROMPT, PROMPTFOO_FACTUALITY_PROMPT, renderGradingPrompt } from "./assertions/grading-prompts.js";
import { closedQaVerdict, cosineSimilarity, factualityVerdict, relevanceVerdict, rubricVerdict, similarityVerdict } from "./assertions/verdicts.js";
import { runTransform } from "./javascript.js";
import type { EvalChatMessage } from "./model.js";
import type { Assertion, TestCase } from "./test-file.js";

/**
 * The models that grade: a project model as a text grader (llm-rubric,
 * model-graded-closedqa, factuality, answer-relevance) and as an embedder
 * (similar, answer-relevance). `model` undefined: the model under test.
 */
export interface GradingModels {
  /** The grader's answer to a chat. */
  chat(model: string, messages: EvalChatMessage[]): Promise<string>;
  /** The embedding of a text. */
  embed(model: string | undefined, text: string): Promise<number[]>;
}

/** Per run of a case: what models said for each of its model assertions. */
export type Judgments = ReadonlyMap<Assertion, Judged>;

/** Whether any assertion of the case needs a model to grade it. */
export const needsModels = (c: TestCase): boolean => c.assert.some((a) => MODEL_TYPES.has(a.type));

/** The user prompt of a case as promptfoo's `prompt` (the completion prompt, or the chat's contents). */
const promptOf = (c: TestCase) => c.prompt ?? c.messages?.map((m) => m.content).join("\n") ?? "";

/**
 * Grades every model assertion of every run of `c`, one request at a time (a
 * grader is one sequence). An assertion whose model fails throws: the case is
 * then an error, as a generation that fails.
 */
export async function judgeCase(c: TestCase, runs: readonly (Pick<CachedRun, "text"> | undefined)[], models: GradingModels): Promise<Judgments[]> {
  const out: Judgments[] = [];
  for (const run of runs) {
    const judged = new Map<Assertion, Judged>();
    // An undefined run (its case transform failed) is not judged; an assertion whose own transform fails neither (evaluate.ts reports it).
    if (run) {
      for (const a of c.assert) {
        if (!MODEL_TYPES.has(a.type)) continue;
        let output = run.text;
        if (a.transform) {
          const t = runTransform(a.transform.code, output, { prompt: promptOf(c), vars: c.vars }, a.transform.fn);
          if (!t.ok) continue;
          output = t.text;
        }
        judged.set(a, await judgeOne(a, output, c, models));
      }
    }
    out.push(judged);
  }
  return out;
}

async function judgeOne(a: Assertion, output: string, c: TestCase, models: GradingModels): Promise<Judged> {
  const value = a.value.kind === "text" ? a.value.text : "";
  const input = promptOf(c);
  if (GRADED_TYPES.has(a.type) && !a.provider) throw new Error(`${a.name} has no grader`); // validation assigns one
  const grader = a.provider!;
  switch (a.type) {
    case "similar": {
      const items = a.value.kind === "list" ? a.value.items : [];
      const out = await models.embed(a.provider, output);
      const sims: number[] = [];
      for (const item of items) sims.push(cosineSimilarity(await models.embed(a.provider, item), out));
      return similarityVerdict(sims, a.threshold ?? 0.75);
    }
    case "llm-rubric":
      return rubricVerdict(await models.chat(grader, renderGradingPrompt(DEFAULT_GRADING_PROMPT, { ...c.vars, output, rubric: value })), a.threshold);
    case "model-graded-closedqa":
      return closedQaVerdict(await models.chat(grader, renderGradingPrompt(OPENAI_CLOSED_QA_PROMPT, { ...c.vars, input, criteria: value, completion: output })));
    case "factuality":
      return factualityVerdict(await models.chat(grader, renderGradingPrompt(PROMPTFOO_FACTUALITY_PROMPT, { ...c.vars, input, ideal: value, completion: output })));
    case "answer-relevance": {
      // promptfoo: the question is vars.query when set, else the prompt; three questions from the grader, embedded by the same provider.
      const question = c.vars.query ?? input;
      const q = await models.embed(grader, question);
      const sims: number[] = [];
      for (let i = 0; i < 3; i++) {
        const generated = await models.chat(grader, renderGradingPrompt(ANSWER_RELEVANCY_GENERATE, { answer: output }));
        sims.push(cosineSimilarity(q, await models.embed(grader, generated)));
      }
      return relevanceVerdict(sims, a.threshold ?? 0.7);
    }
    default:
      throw new Error(`${a.type} is not graded by a model`);
  }
}
