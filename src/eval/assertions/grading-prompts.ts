import nunjucks from "nunjucks";
import type { EvalChatMessage } from "../model.js";

/**
 * promptfoo's grading prompts, word for word (src/prompts/grading.ts and
 * src/prompts/external/ragas.ts in promptfoo/promptfoo), and its rendering:
 * each message's content is a nunjucks template over the grading variables
 * (`renderLlmRubricPrompt` in src/matchers.ts, which renders every string of
 * the JSON prompt). promptfoo sends the rendered JSON to the grader, whose
 * provider turns it into chat messages; here the messages go to the grader
 * model directly, through its chat template.
 */

const dedent = (s: string) => s.replace(/^\n/, "").replace(/\n {4}/g, "\n");

/** DEFAULT_GRADING_PROMPT: llm-rubric. */
export const DEFAULT_GRADING_PROMPT: EvalChatMessage[] = [
  {
    role: "system",
    content: dedent(`You are grading output according to a user-specified rubric. If the statement in the rubric is true, then the output passes the test. You respond with a JSON object with this structure: {reason: string, pass: boolean, score: number}

    Examples:

    <Output>Hello world</Output>
    <Rubric>Content contains a greeting</Rubric>
    {"reason": "the content contains the word 'Hello'", "pass": true, "score": 1.0}

    <Output>Avast ye swabs, repel the invaders!</Output>
    <Rubric>Does not speak like a pirate</Rubric>
    {"reason": "'avast ye' is a common pirate term", "pass": false, "score": 0.0}`),
  },
  { role: "user", content: "<Output>\n{{ output }}\n</Output>\n<Rubric>\n{{ rubric }}\n</Rubric>" },
];

/** OPENAI_CLOSED_QA_PROMPT: model-graded-closedqa. */
export const OPENAI_CLOSED_QA_PROMPT: EvalChatMessage[] = [
  {
    role: "system",
    content: `You are assessing a submitted answer on a given task based on a criterion. Here is the data:
[BEGIN DATA]
***
[Task]: {{input}}
***
[Submission]: {{completion}}
***
[Criterion]: {{criteria}}
***
[END DATA]
Does the submission meet the criterion? First, write out in a step by step manner your reasoning about the criterion to be sure that your conclusion is correct. Avoid simply stating the correct answers at the outset. Then print only the single character "Y" or "N" (without quotes or punctuation) on its own line corresponding to the correct answer. At the end, repeat just the letter again by itself on a new line.

    Reasoning:`,
  },
];

/** PROMPTFOO_FACTUALITY_PROMPT: factuality. */
export const PROMPTFOO_FACTUALITY_PROMPT: EvalChatMessage[] = [
  {
    role: "system",
    content: `You are a precise factuality evaluator that compares a submitted answer to an expert answer.

Your task is to analyze the factual content while ignoring differences in style, grammar, or punctuation.
You must categorize the submission into one of these options:

(A) The submitted answer is a subset of the expert answer and is fully consistent with it.
(B) The submitted answer is a superset of the expert answer and is fully consistent with it.
(C) The submitted answer contains all the same details as the expert answer.
(D) There is a disagreement between the submitted answer and the expert answer.
(E) The answers differ, but these differences don't matter from the perspective of factuality.

Respond ONLY with a JSON object in this format:
{
  "category": "[LETTER]",
  "reason": "[DETAILED EXPLANATION]"
}

- The "category" must be a single letter A, B, C, D, or E.
- Provide a clear, detailed explanation in the "reason" field.
- Your response must be valid JSON with no additional text.`,
  },
  {
    role: "user",
    content: `I need you to compare these answers:

<question>
{{input}}
</question>

<expert_answer>
{{ideal}}
</expert_answer>

<submitted_answer>
{{completion}}
</submitted_answer>

Please analyze the factual relationship between these answers according to the categories you've been given.`,
  },
];

/** ANSWER_RELEVANCY_GENERATE (from RAGAS): answer-relevance asks the grader for a question that the output answers. */
export const ANSWER_RELEVANCY_GENERATE: EvalChatMessage[] = [
  {
    role: "user",
    content: `Generate question for the given answer.
Answer:\nThe PSLV-C56 mission is scheduled to be launched on Sunday, 30 July 2023 at 06:30 IST / 01:00 UTC. It will be launched from the Satish Dhawan Space Centre, Sriharikota, Andhra Pradesh, India
Question: When is the scheduled launch date and time for the PSLV-C56 mission, and where will it be launched from?

Answer:{{answer}}
Question:`,
  },
];

const env = new nunjucks.Environment(null, { autoescape: false });

/** The messages with each content rendered over `vars` (nunjucks, no escaping, as promptfoo's grading engine). */
export function renderGradingPrompt(messages: readonly EvalChatMessage[], vars: Record<string, string>): EvalChatMessage[] {
  return messages.map((m) => ({ role: m.role, content: env.renderString(m.content, vars) }));
}
