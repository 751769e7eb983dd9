import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { hasStackTrace, runCli, tempProject } from "../helpers/cli.js";

const messy = 'from  llama3:8b\nparameter temperature 0.1\nPARAMETER   stop "<|eot_id|>"\n\n\n\nsystem """You are terse."""\n';

describe("modelsmith fmt (subprocess)", () => {
  it("exits 2 on a bad file with path:LINE:COL: error[MS…], a code frame and a hint, and no stack trace", async () => {
    const dir = tempProject({ "bad/Modelfile": "FROM llama3\nPARAMETER temperature 0.7\nPARAMETR top_p 0.9\n" });
    const before = readFileSync(path.join(dir, "bad/Modelfile"), "utf8");
    const r = await runCli(["fmt", "bad/Modelfile"], { cwd: dir });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /^bad\/Modelfile:3:1: error\[MS1002\]: /m);
    assert.match(r.stderr, /^ 3 \| PARAMETR top_p 0\.9$/m);
    assert.match(r.stderr, /^hint: did you mean `PARAMETER`\?$/m);
    assert.equal(hasStackTrace(r.stderr), false);
    assert.equal(r.stdout, "");
    assert.equal(readFileSync(path.join(dir, "bad/Modelfile"), "utf8"), before, "a file that does not parse is left untouched");
  });

  it("reports the right line for an error after a multi-line value", async () => {
    const dir = tempProject({ Modelfile: 'FROM x\nSYSTEM """one\ntwo\nthree"""\nPARAMETER temperature -1\n' });
    const r = await runCli(["fmt", "Modelfile"], { cwd: dir });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /^Modelfile:5:\d+: error\[MS2003\]: /m);
  });

  it("--check lists files that differ (exit 1); fmt rewrites them; then --check passes and fmt is idempotent", async () => {
    const dir = tempProject({ "a/Modelfile": messy, "b/Modelfile": "FROM x\n" });
    let r = await runCli(["fmt", "--check", "a/Modelfile", "b/Modelfile"], { cwd: dir });
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, "a/Modelfile\n");
    assert.equal(readFileSync(path.join(dir, "a/Modelfile"), "utf8"), messy, "--check writes nothing");

    r = await runCli(["fmt", "a/Modelfile", "b/Modelfile"], { cwd: dir });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /formatted a\/Modelfile/);
    const once = readFileSync(path.join(dir, "a/Modelfile"), "utf8");
    assert.notEqual(once, messy);
    assert.match(once, /^FROM llama3:8b\n/);

    r = await runCli(["fmt", "--check", "a/Modelfile", "b/Modelfile"], { cwd: dir });
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, "");
    await runCli(["fmt", "a/Modelfile"], { cwd: dir });
    assert.equal(readFileSync(path.join(dir, "a/Modelfile"), "utf8"), once);
  });

  it("--stdout prints the canonical text and writes nothing", async () => {
    const dir = tempProject({ Modelfile: messy });
    const r = await runCli(["fmt", "--stdout", "Modelfile"], { cwd: dir });
    assert.equal(r.exitCode, 0);
    assert.match(r.stdout, /^FROM llama3:8b\n/);
    assert.match(r.stdout, /PARAMETER temperature 0\.1\n/);
    assert.equal(readFileSync(path.join(dir, "Modelfile"), "utf8"), messy);
  });

  it("rewrites a UTF-16 file as UTF-8 with the same instructions", async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("FROM x\r\nSYSTEM héllo\r\n", "utf16le")]);
    const dir = tempProject({ Modelfile: utf16 });
    const r = await runCli(["fmt", "Modelfile"], { cwd: dir });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(readFileSync(path.join(dir, "Modelfile"), "utf8"), "FROM x\nSYSTEM héllo\n");
  });

  it("a missing file is exit 2 with a code", async () => {
    const dir = tempProject({});
    const r = await runCli(["fmt", "nope/Modelfile"], { cwd: dir });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /error\[MS4006\]: Modelfile not found: nope\/Modelfile/);
    assert.equal(hasStackTrace(r.stderr), false);
  });
});

describe("modelsmith command line (subprocess)", () => {
  it("an unknown command is exit 2 with did-you-mean", async () => {
    const r = await runCli(["fnt"]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /error\[MS9002\]: unknown command `fnt`/);
    assert.match(r.stderr, /hint: did you mean `fmt`\?/);
  });
  it("an unknown option is exit 2, with a did-you-mean over the command's own options", async () => {
    const r = await runCli(["fmt", "--chek"]);
    assert.equal(r.exitCode, 2);
    assert.equal(r.stderr, "error[MS9001]: unknown option `--chek`\nhint: did you mean `--check`?\n");
    const negated = await runCli(["build", "--no-tset"]);
    assert.equal(negated.stderr, "error[MS9001]: unknown option `--no-tset`\nhint: did you mean `--no-test`?\n");
    const far = await runCli(["ls", "--zzzzzz"]);
    assert.deepEqual([far.exitCode, far.stderr], [2, "error[MS9001]: unknown option `--zzzzzz`\nhint: run `modelsmith ls --help` for its options\n"]);
    const elsewhere = await runCli(["ls", "--frozen"]);
    assert.equal(elsewhere.stderr, "error[MS9001]: unknown option `--frozen`\nhint: run `modelsmith ls --help` for its options\n", "another command's option is not suggested");
  });
  it("--json on failure prints one JSON document with the diagnostics", async () => {
    const dir = tempProject({ Modelfile: "FROM x\nPARAMETER temprature 1\n" });
    const r = await runCli(["fmt", "--json", "Modelfile"], { cwd: dir });
    assert.equal(r.exitCode, 2);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.ok, false);
    const d = doc.files[0].diagnostics[0];
    assert.equal(d.code, "MS2001");
    assert.equal(d.range.start.line, 2);
    assert.equal(d.hint, "did you mean `temperature`?");
  });
});
