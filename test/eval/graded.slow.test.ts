import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";

/**
 * Model-graded assertions and `similar` end to end through `modelsmith test`,
 * on built oracle models whose answers are known: each judge is an oracle
 * that recites one verdict whatever it is asked (its reply starts over at its
 * first word after any prompt that ends outside its vocabulary, as every
 * grading prompt does), so pass and fail are both deterministic.
 *
 * Verdict parsing is promptfoo's (src/matchers.ts in promptfoo/promptfoo):
 * llm-rubric (`matchesLlmRubric` in https://github.com/promptfoo/promptfoo/blob/main/src/matchers.ts: pass defaults true,
 * score defaults to pass, threshold), closedqa (ends with Y), factuality (JSON
 * category, else the legacy "(A)" form). An oracle cannot recite a word twice,
 * so a verdict JSON has one key (`{"pass": true}`): one colon.
 *
 * Embeddings come from llama.cpp's embedding context: the oracle does not
 * pool, so its embedding is its last token's, one-hot (its weights are zero
 * but for the one-hot embeddings and output), and the cosine similarity of two
 * texts is 1 when they end with the same token and 0 otherwise.
 */

const oracle = (text: string) => `FROM testmodel://oracle?text=${text}\nPARAMETER temperature 0\nPARAMETER num_thread 1\nPARAMETER num_ctx 4096\n`;

const TESTS = `grader: judge-json
tests:
  - description: graded
    prompt: The quick brown
    assert:
      - {type: llm-rubric, value: mentions a fox}
      - {type: llm-rubric, value: mentions a fox, provider: judge-low, threshold: 0.5}
      - {type: model-graded-closedqa, value: names an animal, provider: judge-y}
      - {type: model-graded-closedqa, value: names an animal, provider: judge-n}
      - {type: factuality, value: a fox jumps over a dog, provider: judge-a}
      - {type: factuality, value: a fox jumps over a dog}
      - {type: similar, value: "A lazy dog."}
      - {type: similar, value: "the lazy dog"}
      - {type: similar, value: [nothing like it, " fox jumps over the lazy dog."], provider: rnd, threshold: 0.999}
      - {type: answer-relevance, provider: judge-y, threshold: 0.1}
  - description: relevant by vars.query
    prompt: The quick brown
    vars: {query: Is it Y}
    assert:
      - {type: answer-relevance, provider: judge-y}
      - {type: not-llm-rubric, value: mentions a fox}
  - description: metrics only
    prompt: The quick brown
    assert:
      - {type: levenshtein, value: " fox jumps over the lazy dog!"}
      - {type: rouge-n, value: "fox jumps over the lazy dog", threshold: 0.7}
      - {type: bleu, value: "fox jumps over the lazy dog."}
      - {type: not-contains-json}
`;

let dir: string;
const cli = (args: string[]) => runCli(args, { cwd: dir, env: { MODELSMITH_HOME: path.join(dir, "home") } });

before(async () => {
  dir = tempProject({
    "modelsmith.yaml": `models:
  fox: {modelfile: Modelfile, tests: t.yaml}
  judge-json: {modelfile: judges/json.Modelfile}
  judge-low: {modelfile: judges/low.Modelfile}
  judge-y: {modelfile: judges/y.Modelfile}
  judge-n: {modelfile: judges/n.Modelfile}
  judge-a: {modelfile: judges/a.Modelfile}
  rnd: {modelfile: judges/rnd.Modelfile}
`,
    Modelfile: "FROM testmodel://oracle\nPARAMETER temperature 0\nPARAMETER num_thread 1\nPARAMETER num_ctx 256\n",
    "judges/json.Modelfile": oracle("%7B%22pass%22%3A+true%7D"),
    "judges/low.Modelfile": oracle("%7B%22score%22%3A+0.3%7D"),
    "judges/y.Modelfile": oracle("Meets+it.+Y"),
    "judges/n.Modelfile": oracle("Fails+it.+N"),
    "judges/a.Modelfile": oracle("(A)+Consistent+facts"),
    "judges/rnd.Modelfile": "FROM testmodel://random?embd=64&layers=1&heads=2&ff=64&vocab=300&seed=7\nPARAMETER num_thread 1\n",
    "t.yaml": TESTS,
  });
  const built = await cli(["build", "--no-test"]);
  assert.equal(built.exitCode, 0, built.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Doc {
  cases: { name: string; status: string; runs: { text: string; assertions: { name: string; pass: boolean; score: number; detail?: string }[] }[] }[];
}
const rows = (doc: Doc) => doc.cases.map((c) => [c.name, c.status, c.runs[0]!.assertions.map((a) => [a.name, a.pass, Math.round(a.score * 10000) / 10000, a.detail])]);

describe("model-graded assertions and similar on oracle graders (subprocess, built models)", () => {
  it("each verdict is read as promptfoo reads it; pass and fail both happen; the report and HTML page say why", async () => {
    const html = path.join(dir, "report.html");
    const r = await cli(["test", "--json"]);
    assert.equal(r.exitCode, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as Doc;
    assert.equal(doc.cases[0]!.runs[0]!.text, " fox jumps over the lazy dog.");
    assert.deepEqual(rows(doc), [
      [
        "graded",
        "fail",
        [
          ["llm-rubric", true, 1, "Grading passed"],
          ["llm-rubric", false, 0.3, "Score 0.3 below threshold 0.5"],
          ["model-graded-closedqa", true, 1, "The submission meets the criterion:\n Meets it. Y"],
          ["model-graded-closedqa", false, 0, "The submission does not meet the criterion:\n Fails it. N"],
          ["factuality", true, 1, "Consistent facts"],
          ["factuality", false, 0, 'Factuality checker output did not match expected format:  {"pass": true}'],
          // Same last token "." as the output: cosine 1; "dog" against ".": 0.
          ["similar", true, 1, "Similarity 1.00 is greater than threshold 0.75"],
          ["similar", false, 0, "Similarity 0.00 is less than threshold 0.75"],
          // A random model's embedding of the output itself: the best of the list.
          ["similar", true, 1, "Similarity 1.00 is greater than threshold 0.999"],
          // The prompt ends with "brown", the judge's question with "Y".
          ["answer-relevance", false, 0, "Relevance 0.00 is less than threshold 0.1"],
        ],
      ],
      [
        "relevant by vars.query",
        "fail",
        [
          ["answer-relevance", true, 1, "Relevance 1.00 is greater than threshold 0.7"],
          ["not-llm-rubric", false, 0, "Grading passed"],
        ],
      ],
      [
        "metrics only",
        "pass",
        [
          ["levenshtein", true, 1, "distance 1"],
          ["rouge-n", true, 0.9231, "ROUGE-N 0.92"],
          ["bleu", true, 1, "BLEU 1.0000"],
          ["not-contains-json", true, 1, "no JSON object in the output"],
        ],
      ],
    ]);
    const page = await cli(["test", "--reporter", "html", "-o", html]);
    assert.equal(page.exitCode, 1, page.stderr);
    const text = readFileSync(html, "utf8");
    // Failures first: both failing cases come before the passing one, with the graders' reasons.
    assert.ok(text.indexOf("relevant by vars.query") < text.indexOf("metrics only") && text.indexOf("graded") < text.indexOf("metrics only"));
    assert.match(text, /Score 0\.3 below threshold 0\.5/);
  });

  it("a graded assertion without a grader, or naming a model the project lacks, is bad input (exit 2) before any model loads", async () => {
    const bad = tempProject({
      "modelsmith.yaml": "models:\n  fox: {modelfile: Modelfile, tests: t.yaml}\n",
      Modelfile: "FROM testmodel://oracle\n",
      "t.yaml": "tests:\n  - prompt: hi\n    assert:\n      - {type: llm-rubric, value: polite}\n      - {type: similar, value: hi, provider: jduge}\n      - {type: contains, value: hi, provider: fox}\n",
    });
    try {
      const r = await runCli(["test"], { cwd: bad, env: { MODELSMITH_HOME: path.join(bad, "home") } });
      assert.equal(r.exitCode, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /t\.yaml:4:9: error\[MS6201\]: llm-rubric needs a grader: a model of the project/);
      assert.match(r.stderr, /t\.yaml:5:9: error\[MS6202\]: similar: `jduge` is not a model of the project/);
      assert.match(r.stderr, /t\.yaml:6:\d+: error\[MS6203\]: `provider` applies to assertions graded by a model/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
