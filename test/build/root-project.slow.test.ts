/**
 * `npm start` builds the repo's own example project: a fresh store, then
 * `--frozen` and `lock --check` pass, and the committed models.lock is exactly
 * what the fresh build computes. Its models finish by themselves.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { fromRoot } from "../helpers/paths.js";
import { json, manifestOf, ms, tempDir, type BuiltJson } from "./helpers.js";

test("the root project builds into a fresh store, matching the committed models.lock", async (t) => {
  const home = path.join(tempDir(t), "home");
  const committed = readFileSync(fromRoot("models.lock"), "utf8");
  const r = await ms(["build", "--json"], home);
  assert.equal(r.exitCode, 0, r.stderr);
  const out = json<BuiltJson>(r);
  assert.equal(out.lockWritten, false, "the committed models.lock is stale: run `modelsmith build` and commit it");
  assert.equal(readFileSync(fromRoot("models.lock"), "utf8"), committed);
  assert.deepEqual(out.models.map((m) => m.name).sort(), [
    "registry.ollama.ai/library/code-assistant:latest",
    "registry.ollama.ai/library/code-assistant:q4_k_m",
    "registry.ollama.ai/library/code-assistant:q8_0",
    "registry.ollama.ai/library/creative-writer:latest",
    "registry.ollama.ai/library/json-extractor:latest",
    "registry.ollama.ai/library/json-extractor:q8_0",
  ]);
  for (const m of out.models) assert.ok(committed.includes(`manifest: ${m.manifest}`), `${m.name} ${m.manifest} is in models.lock`);
  assert.deepEqual(
    manifestOf(home, "json-extractor", "latest").layers.map((l) => l.mediaType),
    [
      "application/vnd.ollama.image.model",
      "application/vnd.ollama.image.system",
      "application/vnd.ollama.image.params",
      "application/vnd.ollama.image.messages",
      "application/vnd.modelsmith.format",
    ],
  );
  const frozen = await ms(["build", "--frozen"], home);
  assert.equal(frozen.exitCode, 0, frozen.stderr);
  assert.match(frozen.stderr, /built 3 models \(6 tags, 0 steps run\)/);
  const check = await ms(["lock", "--check"], home);
  assert.equal(check.exitCode, 0, check.stderr);

  // The README's own `run` example finishes by itself: the oracle's sentence, then end-of-sequence,
  // far below the Modelfile's num_predict 2048.
  const run = (args: string[]) => runCli(["run", ...args], { env: { MODELSMITH_HOME: home }, input: "" });
  const readme = await run(["code-assistant", "The quick brown", "--verbose"]);
  assert.equal(readme.exitCode, 0, readme.stderr);
  assert.equal(readme.stdout, " fox jumps over the lazy dog.\n");
  assert.match(readme.stderr, /^eval count: +7 token\(s\)$/m);
  // creative-writer samples at temperature 1.2 with num_predict 4096, and still stops at the end of the sentence.
  const writer = await run(["creative-writer", "The lazy", "--verbose"]);
  assert.equal(writer.exitCode, 0, writer.stderr);
  assert.equal(writer.stdout, " dog.\n");
});
