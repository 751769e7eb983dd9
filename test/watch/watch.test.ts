import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { relevant } from "../../src/watch/index.js";
import { hasStackTrace } from "../helpers/cli.js";
import { fromRoot } from "../helpers/paths.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const modelfile = (numPredict: number) => `FROM testmodel://oracle\nPARAMETER temperature 0\nPARAMETER num_predict ${numPredict}\nPARAMETER num_thread 1\n`;

/** A `modelsmith watch` subprocess; `waitFor` resolves with stderr once a pattern shows up after `from`. */
function startWatch(args: string[]) {
  const dir = mkdtempSync(path.join(tmpdir(), "modelsmith-watch-"));
  dirs.push(dir);
  const project = path.join(dir, "project");
  const files: Record<string, string> = {
    "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n    tests: tests.yaml\n",
    Modelfile: modelfile(3),
    "tests.yaml": 'tests:\n  - prompt: The quick brown\n    raw: true\n    assert:\n      - {type: equals, value: " fox jumps over"}\n',
  };
  mkdirSync(project, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(project, name), text);
  const child: ChildProcess = spawn(process.execPath, [fromRoot("bin/modelsmith.js"), "watch", ...args], {
    cwd: project,
    env: { ...process.env, MODELSMITH_HOME: path.join(dir, "home"), CI: "1", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, from: number, ms = 30_000): Promise<string> => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const seen = stderr.slice(from);
      if (pattern.test(seen)) return seen;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`watch never printed ${pattern} within ${ms} ms; stderr:\n${stderr}`);
  };
  return { project, child, exited, waitFor, get stderr() { return stderr; }, write: (name: string, text: string) => writeFileSync(path.join(project, name), text) };
}


test("only files that can change a build or a test start one", () => {
  for (const f of ["Modelfile", "Modelfile.code-assistant", "modelsmith.yaml", "tests.yml", "schema.json", "model.gguf", "lora.bin", "compare.txt", "cases.csv", "check.js", "grade.mjs"]) assert.equal(relevant(f), true, f);
  for (const f of ["models.lock", "index.ts", "README", "notes.rtf"]) assert.equal(relevant(f), false, f);
});

test("watch builds and tests at start, again on each save, reports bad input and goes on, and --serve answers from each new build", async () => {
  const w = startWatch(["--serve", "--port", "0"]);
  try {
    let seen = await w.waitFor(/serving on (http:\/\/127\.0\.0\.1:\d+)/, 0);
    const url = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen)![1]!;
    assert.match(seen, /1 case: 1 passed, 0 failed, 0 errors/);
    const ask = async () => {
      const r = await fetch(`${url}/api/generate`, { method: "POST", body: JSON.stringify({ model: "fox", prompt: "The quick brown", raw: true, stream: false }) });
      return ((await r.json()) as { response: string }).response;
    };
    assert.equal(await ask(), " fox jumps over");

    let mark = w.stderr.length;
    w.write("Modelfile", modelfile(5));
    seen = await w.waitFor(/watching/, mark);
    assert.match(seen, /changed: Modelfile/);
    assert.match(seen, /FAIL +tests\.yaml#1/, "the test that pinned 3 tokens now fails, with its table");
    assert.match(seen, /1 case: 0 passed, 1 failed, 0 errors/);
    assert.equal(await ask(), " fox jumps over the lazy", "the server answers from the new build");

    mark = w.stderr.length;
    w.write("Modelfile", "FROM testmodel://oracle\nPARAMETR temperature 0\n");
    seen = await w.waitFor(/watching/, mark);
    assert.match(seen, /Modelfile:2:1: error\[MS1002\]: unknown instruction `PARAMETR`/);
    assert.match(seen, /hint: did you mean `PARAMETER`\?/);
    assert.ok(!hasStackTrace(seen), seen);
    assert.equal(await ask(), " fox jumps over the lazy", "a bad save leaves the last good build served");

    mark = w.stderr.length;
    w.write("Modelfile", modelfile(3));
    seen = await w.waitFor(/watching/, mark);
    assert.match(seen, /1 case: 1 passed, 0 failed, 0 errors \(1 cached\)/, "back to the first build: its test result comes from the cache");
    assert.equal(await ask(), " fox jumps over");

    mark = w.stderr.length;
    w.write("README.rtf", "not a project file");
    await new Promise((r) => setTimeout(r, 1200));
    assert.doesNotMatch(w.stderr.slice(mark), /changed:/, "an unrelated file does not start a build");
  } finally {
    w.child.kill("SIGTERM");
  }
  assert.equal(await w.exited, 0, w.stderr);
});
