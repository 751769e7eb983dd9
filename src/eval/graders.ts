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
  /** The grader's answer to a chat, and whether it came from the cache; `slot` tells apart identical requests of one assertion. */
  chat(model: string, messages: EvalChatMessage[], slot?: number): Promise<{ text: string; cached: boolean }>;
  /** The embedding of a text. */
  embed(model: string | undefined, text: string): Promise<number[]>;
}

/** Per run of a case: what models said for each of its model assertions. */
export type Judgments = ReadonlyMap<Assertion, Judged>;

/** A case's grader answers: how many came from the cache, how many a grader gave. */
export interface GraderTally {
  cached: number;
  asked: number;
}

/** Whether any assertion of the case needs a model to grade it. */
export const needsModels = (c: TestCase): boolean => c.assert.some((a) => MODEL_TYPES.has(a.type));

/** The user prompt of a case as promptfoo's `prompt` (the completion prompt, or the chat's contents). */
const promptOf = (c: TestCase) => c.prompt ?? c.messages?.map((m) => m.content).join("\n") ?? "";

/**
 * Grades every model assertion of every run of `c`, one request at a time (a
 * grader is one sequence). An assertion whose model fails throws: the case is
 * then an error, as a generation that fails.
 */
export async function judgeCase(c: TestCase, runs: readonly (Pick<CachedRun, "text"> | undefined)[], models: GradingModels, tally: GraderTally = { cached: 0, asked: 0 }): Promise<Judgments[]> {
  const counted: GradingModels = {
    embed: (model, text) => models.embed(model, text),
    chat: async (model, messages, slot) => {
      const r = await models.chat(model, messages, slot);
      if (r.cached) tally.cached++;
      else tally.asked++;
      return r;
    },
  };
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
        judged.set(a, await judgeOne(a, output, c, counted));
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
  const ask = async (messages: EvalChatMessage[], slot = 0) => (await models.chat(grader, messages, slot)).text;
  switch (a.type) {
    case "similar": {
      const items = a.value.kind === "list" ? a.value.items : [];
      const out = await models.embed(a.provider, output);
      const sims: number[] = [];
      for (const item of items) sims.push(cosineSimilarity(await models.embed(a.provider, item), out));
      return similarityVerdict(sims, a.threshold ?? 0.75);
    }
    case "llm-rubric":
      return rubricVerdict(await ask(renderGradingPrompt(DEFAULT_GRADING_PROMPT, { ...c.vars, output, rubric: value })), a.threshold);
    case "model-graded-closedqa":
      return closedQaVerdict(await ask(renderGradingPrompt(OPENAI_CLOSED_QA_PROMPT, { ...c.vars, input, criteria: value, completion: output })));
    case "factuality":
      return factualityVerdict(await ask(renderGradingPrompt(PROMPTFOO_FACTUALITY_PROMPT, { ...c.vars, input, ideal: value, completion: output })));
    case "answer-relevance": {
      // promptfoo: the question is vars.query when set, else the prompt; three questions from the grader, embedded by the same provider.
      const question = c.vars.query ?? input;
      const q = await models.embed(grader, question);
      const sims: number[] = [];
      for (let i = 0; i < 3; i++) {
        const generated = await ask(renderGradingPrompt(ANSWER_RELEVANCY_GENERATE, { answer: output }), i);
        sims.push(cosineSimilarity(q, await models.embed(grader, generated)));
      }
      return relevanceVerdict(sims, a.threshold ?? 0.7);
    }
    default:
      throw new Error(`${a.type} is not graded by a model`);
  }
}
