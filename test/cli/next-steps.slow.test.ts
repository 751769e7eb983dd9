import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";
import { havePty, runOnPty } from "../helpers/pty.js";

test("dead ends say what to run next: ls on an empty store, run/show of a project model not built yet, a build, show with FORMAT", async (t) => {
  const dir = tempProject({
    "modelsmith.yaml": "models:\n  extractor:\n    modelfile: Modelfile\n",
    Modelfile: "FROM testmodel://oracle\nFORMAT json\nPARAMETER num_predict 4\n",
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { MODELSMITH_HOME: path.join(dir, ".home") };
  const ms = (...args: string[]) => runCli(args, { cwd: dir, env, input: "" });

  const ls = await ms("ls");
  assert.equal(ls.exitCode, 0);
  assert.equal(ls.stdout, "NAME    ID    SIZE    MODIFIED\n");
  assert.equal(ls.stderr, "hint: no models built yet: run `modelsmith build` to build this project's model (extractor)\n");
  const lsJson = await ms("ls", "--json");
  assert.deepEqual(JSON.parse(lsJson.stdout), { models: [] });
  assert.equal(lsJson.stderr, "", "no hint with --json");

  for (const cmd of [["run", "extractor", "hi"], ["show", "extractor"]]) {
    const r = await ms(...cmd);
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /error\[MS5102\]: model extractor:latest not found in the store\nhint: `extractor` is a model of this project that is not built yet: run `modelsmith build extractor`\n/);
  }
  // From a subfolder, as every command finds the project in the nearest parent folder.
  const sub = path.join(dir, "src", "deep");
  mkdirSync(sub, { recursive: true });
  const below = await runCli(["run", "extractor", "hi"], { cwd: sub, env, input: "" });
  assert.match(below.stderr, /hint: `extractor` is a model of this project that is not built yet/);
  const lsBelow = await runCli(["ls"], { cwd: sub, env, input: "" });
  assert.match(lsBelow.stderr, /run `modelsmith build` to build this project's model \(extractor\)/);
  const typo = await ms("show", "extractr");
  assert.doesNotMatch(typo.stderr, /not built yet/, "a name the project does not have keeps its did-you-mean");

  const build = await ms("build");
  assert.equal(build.exitCode, 0, build.stderr);
  assert.match(build.stderr, /built 1 model \(1 tag, 1 step run\)/, "singular counts");
  assert.match(build.stderr, /try it: modelsmith run extractor\n$/);
  const json = await ms("build", "--json");
  assert.doesNotMatch(json.stderr + json.stdout, /try it/);

  const show = await ms("show", "extractor");
  assert.match(show.stdout, /\n {2}Format\n {4}json\n/);
});

test("ls outside a project says how to get a first model", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "modelsmith-empty-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await runCli(["ls"], { cwd: dir, env: { MODELSMITH_HOME: path.join(dir, ".home") } });
  assert.equal(r.exitCode, 0);
  assert.match(r.stderr, /^hint: no models yet: `modelsmith create NAME -f Modelfile` .*`modelsmith init` .*`modelsmith pull NAME`/);
});

test("pull from a registry that cannot be reached names what builds offline", async (t) => {
  // A port that was free a moment ago: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const home = mkdtempSync(path.join(tmpdir(), "modelsmith-pull-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const r = await runCli(["pull", `ollama://127.0.0.1:${port}/library/llama3:8b`], { env: { MODELSMITH_HOME: home } });
  assert.equal(r.exitCode, 3, r.stderr);
  assert.match(r.stderr, /error\[MS5610\]: cannot reach 127\.0\.0\.1:\d+/);
  assert.match(r.stderr, /hint: is the registry up at http:\/\/127\.0\.0\.1:\d+\? .*; offline, a project can build FROM a local GGUF .*testmodel:\/\/oracle.*aliases:/);
});

test("help wraps at the terminal's width, between words", { skip: !havePty() && "needs util-linux `script`" }, async () => {
  const plain = await runCli(["build", "--help"]);
  const narrow = await runOnPty(["build", "--help"], { cols: 60 });
  const lines = narrow.output.replaceAll("\r", "").trimEnd().split("\n");
  for (const l of lines) assert.ok(l.length <= 60, `wider than the terminal: ${JSON.stringify(l)}`);
  assert.ok(lines.length > plain.stdout.trimEnd().split("\n").length, "it did wrap");
  const words = (s: string) => s.split(/\s+/).filter(Boolean);
  assert.deepEqual(words(narrow.output), words(plain.stdout), "no word was cut in two");
});
