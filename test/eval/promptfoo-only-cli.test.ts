import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";

// The CLI as a subprocess: a promptfoo type modelsmith does not run is refused at its position with a hint, exit 2.
describe("modelsmith check: promptfoo assertion types modelsmith does not run (MS6320)", () => {
  it("a python assertion in YAML and a cost cell in CSV: exit 2, each at its position, with a hint, no stack trace; not-levenshtein warns", async () => {
    const dir = tempProject({
      "modelsmith.yaml": "models:\n  fox:\n    modelfile: M\n    tests: t.yaml\n",
      M: "FROM testmodel://oracle\n",
      "t.yaml": "prompts: [\"say {{q}}\"]\ntests:\n  - prompt: p\n    assert:\n      - type: python\n        value: output.startswith('a')\n      - {type: not-levenshtein, value: abc}\n  - file://cases.csv\n",
      "cases.csv": "q,__expected\nhi,cost(0.5):\n",
    });
    try {
      const r = await runCli(["check"], { cwd: dir });
      assert.equal(r.exitCode, 2, r.stderr);
      assert.match(r.stderr, /t\.yaml:5:15: error\[MS6320\]: `python` is a promptfoo assertion type that modelsmith does not run: /);
      assert.match(r.stderr, /hint: write it as a `javascript` assertion/);
      assert.match(r.stderr, /cases\.csv:2:\d+: error\[MS6320\]: `cost` is a promptfoo assertion type that modelsmith does not run: a local model has no per-token price/);
      assert.match(r.stderr, /t\.yaml:7:\d+: warning\[MS6321\]: not-levenshtein grades exactly as levenshtein/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
