/**
 * push --format: an unknown layout is bad input, refused before any request.
 * The registry round trips of each layout are in formats.slow.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ms, tempDir } from "../build/helpers.js";

test("push --format with an unknown layout is MS5750, exit 2, before any request", async (t) => {
  const home = tempDir(t);
  const r = await ms(["push", "fox", "oci://127.0.0.1:9/x:1", "--format", "modelpak"], home);
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(r.stderr, /error\[MS5750\]: unknown push format `modelpak`/);
  assert.match(r.stderr, /hint: did you mean `modelpack`\?/);
});

test("push --test-report that is not a test report: exit 2 MS5754, nothing uploaded (the document is made first)", async (t) => {
  const { tempProject } = await import("../helpers/cli.js");
  const { writeFileSync } = await import("node:fs");
  const path = await import("node:path");
  const dir = tempProject({ "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n", Modelfile: "FROM testmodel://oracle\n" });
  const home = tempDir(t);
  assert.equal((await ms(["build", "--no-test", "-C", dir], home)).exitCode, 0);
  writeFileSync(path.join(dir, "report.json"), '{"cases": 3}');
  // Port 9 (discard) on loopback: had push sent anything, it would be MS5610 (exit 3), not MS5754.
  const r = await ms(["push", "fox", "oci://127.0.0.1:9/fox:1", "-C", dir, "--test-report", path.join(dir, "report.json")], home);
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(r.stderr, /error\[MS5754\]: .*report\.json is not a report of `modelsmith test --reporter json`/);
  assert.doesNotMatch(r.stderr, /uploaded|MS5610/);
});
