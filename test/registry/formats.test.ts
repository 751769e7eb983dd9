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
