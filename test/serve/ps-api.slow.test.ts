import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ModelResponse, Ollama } from "ollama";
import type { RunningServer } from "../../src/serve/index.js";
import { FOREVER_MS } from "../../src/serve/model-host.js";
import { ollamaClient, serveEnv, type ServeEnv } from "./helpers.js";

/**
 * GET /api/ps as Ollama answers it (ProcessModelResponse: name, model, size,
 * digest, details, expires_at, size_vram, context_length), through the
 * official `ollama` client: the loaded num_ctx, the memory the load holds
 * (more for a larger context), none of it on a GPU here, and the model kept
 * longest first.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/api/types.go#L835-L844
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L2271-L2303
 */

let env: ServeEnv;
let server: RunningServer;
let ollama: Ollama;

/** The 0.6.4 client's ModelResponse lacks Ollama's context_length (api.ProcessModelResponse has it); the client passes it through. */
const withContext = (ms: ModelResponse[]) => ms as (ModelResponse & { context_length: number })[];

before(async () => {
  env = await serveEnv();
  server = await env.start();
  ollama = ollamaClient(server);
});
after(() => env?.cleanup(), { timeout: 30_000 });

test("ps: context_length is the loaded num_ctx, size grows with it, size_vram 0 on the CPU, kept forever first with Ollama's forever date", async () => {
  // oracle's PARAMETER num_ctx is 512; a load request (no prompt) with num_ctx 2048 loads oracle-eos with that, as Ollama's scheduleRunner takes the request's options:
  // https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L466-L483
  await ollama.generate({ model: "oracle", prompt: "", keep_alive: "10m" });
  const small = withContext((await ollama.ps()).models);
  assert.equal(small.length, 1, JSON.stringify(small));
  assert.deepEqual(Object.keys(small[0]!).sort(), ["context_length", "details", "digest", "expires_at", "model", "name", "size", "size_vram"]);
  assert.equal(small[0]!.context_length, 512);
  assert.equal(small[0]!.size_vram, 0);
  const expires = Date.parse(String(small[0]!.expires_at)) - Date.now();
  assert.ok(expires > 9 * 60_000 && expires <= 10 * 60_000, String(small[0]!.expires_at));

  await ollama.generate({ model: "oracle-eos", prompt: "", keep_alive: -1, options: { num_ctx: 2048 } });
  const both = withContext((await ollama.ps()).models);
  assert.deepEqual(both.map((m) => [m.name, m.context_length]), [["oracle-eos:latest", 2048], ["oracle:latest", 512]]);
  // The two oracles have the same shape: the larger context holds more (its KV cache: 2 layers' K and V for 4x the cells).
  assert.ok(both[0]!.size > small[0]!.size, `${both[0]!.size} > ${small[0]!.size}`);
  // Forever is Ollama's now + math.MaxInt64 ns: an RFC 3339 date with a four-digit year, which Go's `ollama ps` parses.
  const forever = String(both[0]!.expires_at);
  assert.match(forever, /^2\d{3}-\d\d-\d\dT/);
  assert.ok(Math.abs(Date.parse(forever) - (Date.now() + FOREVER_MS)) < 60_000, forever);
});
