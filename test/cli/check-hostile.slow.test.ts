/**
 * `check` and `build` answer hostile project files with exit 2 and a code:
 * never exit 4, a stack trace, a hang, or the content of a file the user did
 * not mean to show; and a file with thousands of problems prints a readable
 * amount (issue 8, items 7, 8 and 10).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { execa } from "execa";
import { hasStackTrace, runCli, tempProject, type CliResult } from "../helpers/cli.js";
import { fromRoot } from "../helpers/paths.js";

const PROJECT = "models:\n  m:\n    modelfile: Modelfile\n";
const WITH_TESTS = "models:\n  m:\n    modelfile: Modelfile\n    tests: [t.yaml]\n";
const ORACLE = "FROM testmodel://oracle\n";

function cli(dir: string, ...args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: dir, env: { MODELSMITH_HOME: path.join(dir, ".home") }, input: "", timeoutMs: 30_000 });
}

function assertRefused(r: CliResult, code: string): void {
  assert.equal(r.exitCode, 2, r.stderr.slice(0, 2000));
  assert.match(r.stderr, new RegExp(`error\\[${code}\\]`), r.stderr.slice(0, 2000));
  assert.ok(!hasStackTrace(r.stderr), r.stderr.slice(0, 2000));
}

const mkfifo = (file: string): boolean => {
  try {
    execFileSync("mkfifo", [file]);
    return existsSync(file);
  } catch {
    return false;
  }
};

describe("check never exits 4", () => {
  it("a test message with no content is MS6003 at the message", async () => {
    const dir = tempProject({ "modelsmith.yaml": WITH_TESTS, Modelfile: ORACLE, "t.yaml": "tests:\n  - messages:\n      - role: user\n    assert:\n      - {type: contains, value: x}\n" });
    const r = await cli(dir, "check");
    assertRefused(r, "MS6003");
    assert.match(r.stderr, /^t\.yaml:3:9: error\[MS6003\]: `tests\.0\.messages\.0` is missing the required key `content`/m);
  });

  for (const [name, files] of [
    ["the project file", { "modelsmith.yaml": `${PROJECT}x: ${"[".repeat(3500)}${"]".repeat(3500)}\n`, Modelfile: ORACLE }],
    ["a test file", { "modelsmith.yaml": WITH_TESTS, Modelfile: ORACLE, "t.yaml": `tests: ${"{a: ".repeat(3500)}1${"}".repeat(3500)}\n` }],
  ] as const) {
    it(`YAML nested 3,500 levels deep in ${name} is one error, not a stack overflow`, async () => {
      const r = await cli(tempProject(files), "check");
      assertRefused(r, name === "a test file" ? "MS6001" : "MS4001");
      assert.match(r.stderr, /invalid YAML: nested too deeply/);
      assert.ok(r.stderr.length < 2000, `${r.stderr.length} bytes of stderr`);
    });
  }

  it("FORMAT /dev/zero is MS4090 from check and build alike", async () => {
    const dir = tempProject({ "modelsmith.yaml": PROJECT, Modelfile: `${ORACLE}FORMAT /dev/zero\n` });
    for (const cmd of ["check", "build"]) {
      const r = await cli(dir, cmd);
      assertRefused(r, "MS4090");
      assert.match(r.stderr, /^Modelfile:2:8: error\[MS4090\]: cannot read schema file \/dev\/zero: it is a character device, not a regular file$/m);
    }
  });

  it("a schema file over 1 MiB is MS4091", async () => {
    const dir = tempProject({ "modelsmith.yaml": PROJECT, Modelfile: `${ORACLE}FORMAT ./big.json\n`, "big.json": `{"description": "${"x".repeat(1100 * 1024)}"}` });
    for (const cmd of ["check", "build"]) assertRefused(await cli(dir, cmd), "MS4091");
  });

  it("a FIFO named as FORMAT, FROM, modelfile or test file is refused without waiting for a writer", async (t) => {
    const cases: [string, Record<string, string>, string][] = [
      ["FORMAT", { "modelsmith.yaml": PROJECT, Modelfile: `${ORACLE}FORMAT ./pipe\n` }, "Modelfile:2:8"],
      ["FROM", { "modelsmith.yaml": PROJECT, Modelfile: "FROM ./pipe\n" }, "Modelfile:1:6"],
      ["modelfile:", { "modelsmith.yaml": "models:\n  m:\n    modelfile: pipe\n" }, "modelsmith.yaml:3:16"],
      ["a test file", { "modelsmith.yaml": "models:\n  m:\n    modelfile: Modelfile\n    tests: [pipe]\n", Modelfile: ORACLE }, "pipe"],
    ];
    for (const [name, files, where] of cases) {
      const dir = tempProject(files);
      if (!mkfifo(path.join(dir, "pipe"))) return t.skip("mkfifo is not available");
      for (const cmd of ["check", "build"]) {
        const r = await cli(dir, cmd);
        assert.notEqual(r.exitCode, -2, `${name}: ${cmd} hung on the FIFO`);
        assertRefused(r, "MS4090");
        assert.ok(r.stderr.includes(`${where}: error[MS4090]`), `${name} ${cmd}: ${r.stderr}`);
      }
    }
  });
});

describe("errors never echo file content", () => {
  it("FORMAT /proc/self/environ says it is not JSON without printing the environment", async (t) => {
    if (!existsSync("/proc/self/environ")) return t.skip("no /proc");
    const dir = tempProject({ "modelsmith.yaml": PROJECT, Modelfile: `${ORACLE}FORMAT /proc/self/environ\n` });
    // The secret comes first in the child's environment: V8's JSON.parse message quotes the start of the text.
    const env = { AAA_SECRET: "S3CRET_VALUE_THAT_MUST_NOT_PRINT", PATH: process.env.PATH ?? "", CI: "1", NO_COLOR: "1", MODELSMITH_HOME: path.join(dir, ".home") };
    for (const cmd of ["check", "build"]) {
      const r = await execa(process.execPath, [fromRoot("bin/modelsmith.js"), cmd], { cwd: dir, env, extendEnv: false, input: "", reject: false });
      assertRefused({ exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }, "MS4008");
      assert.ok(!/AAA_SEC|S3CRET/.test(String(r.stderr)), String(r.stderr));
    }
  });
});

describe("diagnostics stay readable", () => {
  it("5,000 errors in one test file print 50 and a count", async () => {
    // Two errors per case: `repeat` is not an integer, and the case has no assertions.
    const cases = Array.from({ length: 2500 }, () => "  - {prompt: hi, repeat: x}\n").join("");
    const dir = tempProject({ "modelsmith.yaml": WITH_TESTS, Modelfile: ORACLE, "t.yaml": `tests:\n${cases}` });
    const r = await cli(dir, "check");
    assert.equal(r.exitCode, 2);
    assert.equal(r.stderr.match(/error\[MS60\d\d\]/g)?.length, 50);
    assert.match(r.stderr, /^… and 4950 more in t\.yaml$/m);
    assert.match(r.stderr, /checked 1 model: 5000 errors/);
    assert.ok(r.stderr.length < 20_000, `${r.stderr.length} bytes`);
  });

  it("an error on a 100 KB line frames a window around the caret", async () => {
    const long = `${"a".repeat(50_000)}\tNOT-A-NUMBER\t${"b".repeat(50_000)}`;
    const dir = tempProject({ "modelsmith.yaml": PROJECT, Modelfile: `${ORACLE}PARAMETER temperature "${long}"\n` });
    const r = await cli(dir, "check");
    assert.equal(r.exitCode, 2, r.stderr.slice(0, 500));
    const frame = r.stderr.split("\n").filter((l) => /^\s*\d* \| /.test(l));
    assert.ok(frame.length >= 2, r.stderr.slice(0, 500));
    for (const line of frame) assert.ok(line.length < 130, `a frame line of ${line.length} characters`);
    assert.ok(r.stderr.length < 2000, `${r.stderr.length} bytes`);
  });
});
