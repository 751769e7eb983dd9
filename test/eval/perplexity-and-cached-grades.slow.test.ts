import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { hasStackTrace, runCli, tempProject } from "../helpers/cli.js";

/**
 * perplexity and perplexity-score on built models through `modelsmith test`
 * (a subprocess), and grader answers cached like outputs.
 *
 * perplexity = exp(-mean log-probability of the generated tokens), promptfoo's
 * handlePerplexity / handlePerplexityScore:
 * https://github.com/promptfoo/promptfoo/blob/e5c8e0173bbabc7387304784fefaa1ba9ccea088/src/assertions/perplexity.ts#L3-L43
 * The log-probabilities are the raw distribution's (softmax of the logits, no
 * sampler), as llama-server's n_probs gives them to Ollama's `logprobs`:
 * https://github.com/ollama/ollama/blob/main/llm/llama_server.go (convertLogprobs)
 *
 * The oracle's logits are sqrt(n_embd) for the next word of its sentence and 0
 * for every other token, so each word it says has probability
 * e^s / (e^s + V - 1), within 1e-4 of 1: its perplexity is 1.0000 to four
 * places. A random-weight model's greedy answer has a near-uniform
 * distribution behind each token: a perplexity in the tens or hundreds.
 */

const oracle = (text: string) => `FROM testmodel://oracle?text=${text}\nPARAMETER temperature 0\nPARAMETER num_thread 1\nPARAMETER num_ctx 4096\n`;

const FOX = `grader: judge
tests:
  - description: oracle
    prompt: The quick brown
    assert:
      - {type: perplexity, threshold: 1.5}
      - {type: perplexity-score, threshold: 0.49}
      - {type: not-perplexity, threshold: 0.5}
  - description: nothing generated
    prompt: the lazy dog.
    raw: true
    assert:
      - {type: perplexity}
  - description: graded
    prompt: The quick brown
    assert:
      - {type: model-graded-closedqa, value: names an animal}
      - {type: answer-relevance, threshold: 0.1}
`;

const RND = `tests:
  - description: random
    prompt: The quick brown
    options: {num_predict: 12}
    assert:
      - {type: perplexity, threshold: 1.5}
      - {type: perplexity-score}
`;

let dir: string;
const cli = (args: string[]) => runCli(args, { cwd: dir, env: { MODELSMITH_HOME: path.join(dir, "home") } });

interface Doc {
  summary: { graderAnswers?: { cached: number; asked: number } };
  cases: { name: string; status: string; error?: string; cached: boolean; graderAnswers?: { cached: number; asked: number }; runs: { text: string; completionTokens: number; logprobs?: number[]; assertions: { name: string; pass: boolean; score: number; detail?: string }[] }[] }[];
}
const byName = (doc: Doc, name: string) => doc.cases.find((c) => c.name === name)!;

before(async () => {
  dir = tempProject({
    "modelsmith.yaml": `models:
  fox: {modelfile: Modelfile, tests: fox.yaml}
  rnd: {modelfile: rnd.Modelfile, tests: rnd.yaml}
  judge: {modelfile: judge.Modelfile}
`,
    Modelfile: "FROM testmodel://oracle\nPARAMETER temperature 0\nPARAMETER num_thread 1\nPARAMETER num_ctx 256\n",
    "rnd.Modelfile": "FROM testmodel://random?embd=64&layers=1&heads=2&ff=64&vocab=300&seed=7\nPARAMETER temperature 0\nPARAMETER num_thread 1\nPARAMETER num_ctx 256\n",
    "judge.Modelfile": oracle("Meets+it.+Y"),
    "fox.yaml": FOX,
    "rnd.yaml": RND,
  });
  const built = await cli(["build", "--no-test"]);
  assert.equal(built.exitCode, 0, built.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("perplexity from the runtime's token log-probabilities (subprocess, built models)", () => {
  it("the oracle's greedy answer has perplexity 1 and passes 1.5; a random model's fails it; no token generated: the case errors (MS6300)", async () => {
    const r = await cli(["test", "--json", "fox", "rnd"]);
    // The case with nothing generated is an error: exit 3, as promptfoo's handler throws.
    assert.equal(r.exitCode, 3, r.stderr);
    assert.ok(!hasStackTrace(r.stdout + r.stderr));
    const doc = JSON.parse(r.stdout) as Doc;

    const fox = byName(doc, "oracle");
    const run = fox.runs[0]!;
    assert.equal(run.text, " fox jumps over the lazy dog.");
    assert.equal(run.logprobs!.length, run.completionTokens, "one log-probability per generated token");
    for (const lp of run.logprobs!) assert.ok(lp <= 0 && lp > -1e-4, `log-probability ${lp} of an oracle word`);
    assert.equal(fox.status, "pass");
    assert.deepEqual(
      run.assertions.map((a) => [a.name, a.pass, Math.round(a.score * 1e4) / 1e4, a.detail]),
      [
        ["perplexity", true, 1, `perplexity 1.0000 over ${run.completionTokens} tokens`],
        ["perplexity-score", true, 0.5, `perplexity score 0.5000 (perplexity 1.0000 over ${run.completionTokens} tokens)`],
        // promptfoo's handler (main) inverts the threshold's test: perplexity 1 is not <= 0.5, so not-perplexity passes.
        ["not-perplexity", true, 1, `perplexity 1.0000 over ${run.completionTokens} tokens`],
      ],
    );

    const none = byName(doc, "nothing generated");
    assert.equal(none.status, "error");
    assert.match(none.error!, /^MS6300: perplexity cannot be graded: the model generated no token/);

    const rnd = byName(doc, "random");
    const rr = rnd.runs[0]!;
    assert.equal(rnd.status, "fail");
    assert.equal(rr.logprobs!.length, 12);
    const perplexity = Math.exp(-rr.logprobs!.reduce((s, x) => s + x, 0) / rr.logprobs!.length);
    assert.ok(perplexity > 10, `a random model's perplexity: ${perplexity}`);
    const [ppl, score] = rr.assertions;
    assert.deepEqual([ppl!.pass, ppl!.score, ppl!.detail], [false, 0, `perplexity ${perplexity.toFixed(4)} over 12 tokens`]);
    // No threshold: passes, and scores 1 / (1 + perplexity).
    assert.equal(score!.pass, true);
    assert.ok(Math.abs(score!.score - 1 / (1 + perplexity)) < 1e-12);

    // Cached outputs keep their log-probabilities: the same grades without generating.
    const again = JSON.parse((await cli(["test", "--json", "rnd"])).stdout) as Doc;
    assert.equal(byName(again, "random").cached, true);
    assert.deepEqual(byName(again, "random").runs[0]!.assertions, rr.assertions);
  });
});

describe("grader answers are cached like outputs (subprocess, oracle grader)", () => {
  it("with --no-cache the grader answers; the next run reuses the verdicts without asking it; a changed grading prompt asks again", async () => {
    const graded = async (args: string[]) => {
      const r = await cli(["test", "--json", "--grep", "^graded$", ...args]);
      assert.equal(r.exitCode, 1, r.stderr); // answer-relevance fails: the prompt and the judge's question end differently
      const doc = JSON.parse(r.stdout) as Doc;
      const c = byName(doc, "graded");
      return { answers: c.graderAnswers, summary: doc.summary.graderAnswers, grades: c.runs[0]!.assertions.map((a) => [a.name, a.pass, a.score, a.detail]) };
    };
    // --no-cache: every answer asked of the grader (the run above may have cached them), and written to the cache.
    const first = await graded(["--no-cache"]);
    // closedqa asks once; answer-relevance asks for three questions (three slots of one prompt).
    assert.deepEqual(first.answers, { cached: 0, asked: 4 });
    assert.deepEqual(first.summary, { cached: 0, asked: 4 });
    assert.deepEqual(first.grades[0], ["model-graded-closedqa", true, 1, "The submission meets the criterion:\n Meets it. Y"]);

    const second = await graded([]);
    assert.deepEqual(second.answers, { cached: 4, asked: 0 });
    assert.deepEqual(second.grades, first.grades);
    const line = await cli(["test", "--grep", "^graded$"]);
    assert.match(line.stdout + line.stderr, /grader answers: 4 cached, 0 asked/);

    // Another criterion is another grading prompt: asked again; answer-relevance's prompt is unchanged: cached.
    const file = path.join(dir, "fox.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("names an animal", "names a fox"));
    const edited = await graded([]);
    assert.deepEqual(edited.answers, { cached: 3, asked: 1 });
  });
});
