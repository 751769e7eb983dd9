import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { InputError } from "../../src/diagnostics/index.js";
import { LAYER_MEDIA_TYPES } from "../../src/store/index.js";
import { parseMemorySize } from "../../src/serve/memory-budget.js";
import { runCli } from "../helpers/cli.js";
import { ollamaClient, ollamaFailure, oracleText, serveEnv, type ServeEnv } from "./helpers.js";

/**
 * The pool's memory budget (issue 10, item 6), after Ollama's scheduler
 * (https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/sched.go):
 * a new load unloads the least recently used idle models until it fits beside
 * the others (as when a model does not fit the free memory), and a model that
 * cannot fit even alone is an error, not a load.
 */

let env: ServeEnv;
before(async () => {
  env = await serveEnv();
});
after(() => env?.cleanup(), { timeout: 30_000 });

/** The bytes a load of `name` takes as the budget counts them: its weights (no adapters or projector here). */
async function weights(name: string): Promise<number> {
  const { manifest } = await env.store.readManifest(name);
  return manifest.layers.filter((l) => l.mediaType === LAYER_MEDIA_TYPES.model).reduce((n, l) => n + l.size, 0);
}

test("memory sizes: units as written, bad ones MS8101", () => {
  assert.equal(parseMemorySize("8GiB", "--max-memory"), 8 * 2 ** 30);
  assert.equal(parseMemorySize("512 MiB", "--max-memory"), 512 * 2 ** 20);
  assert.equal(parseMemorySize("2GB", "--max-memory"), 2e9);
  assert.equal(parseMemorySize("1.5g", "--max-memory"), 1.5 * 2 ** 30);
  assert.equal(parseMemorySize("1073741824", "--max-memory"), 2 ** 30);
  for (const bad of ["lots", "0", "-1GiB", "8 parsecs", ""]) {
    assert.throws(() => parseMemorySize(bad, "--max-memory"), (err: unknown) => err instanceof InputError && err.diagnostics[0]!.code === "MS8101", bad);
  }
});

test("a budget for one model at a time: the idle one is unloaded for the next though max-loaded is 3", async () => {
  const both = (await weights("oracle")) + (await weights("random"));
  const server = await env.start({ maxLoaded: 3, maxMemory: both - 1 });
  const ollama = ollamaClient(server);
  await ollama.generate({ model: "oracle", prompt: "The", options: { num_predict: 1 } });
  await ollama.generate({ model: "random", prompt: "x", options: { num_predict: 1 } });
  assert.deepEqual((await ollama.ps()).models.map((m) => m.name), ["random:latest"]);
  const answer = await ollama.generate({ model: "oracle", prompt: "The lazy", options: { num_predict: 3 } });
  assert.equal(answer.response, oracleText("The lazy", 3));
  assert.deepEqual((await ollama.ps()).models.map((m) => m.name), ["oracle:latest"]);
  await server.close();
  // Room for both: both stay loaded.
  const roomy = await env.start({ maxLoaded: 3, maxMemory: both });
  const client = ollamaClient(roomy);
  for (const model of ["oracle", "random"]) await client.generate({ model, prompt: "x", options: { num_predict: 1 } });
  assert.deepEqual((await client.ps()).models.map((m) => m.name).sort(), ["oracle:latest", "random:latest"]);
  await roomy.close();
});

test("a model larger than the whole budget: MS8100 with both sizes, nothing loaded, the server answers on", async () => {
  const server = await env.start({ maxMemory: (await weights("oracle")) - 1 });
  const ollama = ollamaClient(server);
  const failed = await ollamaFailure(ollama.generate({ model: "oracle", prompt: "The" }));
  assert.equal(failed.status, 500);
  assert.match(failed.error, /^MS8100: model "oracle" needs [\d.]+ \w+ of memory, more than the server's budget of [\d.]+ \w+ \(raise --max-memory/);
  assert.deepEqual((await ollama.ps()).models, []);
  assert.equal((await ollama.generate({ model: "random", prompt: "x", options: { num_predict: 1 } })).done, true);
  await server.close();
});

test("serve --max-memory that is not a size: exit 2, MS8101, nothing listening", async () => {
  const r = await runCli(["serve", "--port", "0", "--max-memory", "lots"], { env: { MODELSMITH_HOME: env.root } });
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(r.stderr, /MS8101/);
  assert.match(r.stderr, /--max-memory: cannot read "lots" as a memory size/);
  const fromEnv = await runCli(["serve", "--port", "0"], { env: { MODELSMITH_HOME: env.root, MODELSMITH_MAX_MEMORY: "8 parsecs" } });
  assert.equal(fromEnv.exitCode, 2, fromEnv.stderr);
  assert.match(fromEnv.stderr, /MODELSMITH_MAX_MEMORY: cannot read "8 parsecs"/);
});
