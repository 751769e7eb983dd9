import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import type OpenAI from "openai";
import type { Ollama } from "ollama";
import type { RunningServer } from "../../src/serve/index.js";
import { randomLlama } from "../../src/testmodels/index.js";
import { TINY_RANDOM } from "../testmodels/specs.js";
import { ollamaClient, ollamaFailure, openaiClient, request, serveEnv, type ServeEnv } from "./helpers.js";

/**
 * The store over the API (copy, delete, blobs), one model over /v1, and what
 * an unknown route answers; statuses and messages as Ollama's handlers give them:
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go
 */

let env: ServeEnv;
let server: RunningServer;
let ollama: Ollama;
let openai: OpenAI;

before(async () => {
  // No generation here: small random models, never loaded.
  env = await serveEnv({ a: { gguf: randomLlama(TINY_RANDOM), params: { num_ctx: 256 } }, b: { gguf: randomLlama({ ...TINY_RANDOM, seed: 7 }), system: "b" } });
  server = await env.start();
  ollama = ollamaClient(server);
  openai = openaiClient(server);
});
after(() => env?.cleanup(), { timeout: 30_000 });

const names = async () => (await ollama.list()).models.map((m) => m.name).sort();

test("copy (/api/copy): the same manifest under a new name, through the store's copy; unknown source 404, bad name 400", async () => {
  assert.deepEqual(await ollama.copy({ source: "a", destination: "a-copy:v1" }), { status: "success" });
  assert.deepEqual(await names(), ["a-copy:v1", "a:latest", "b:latest"]);
  assert.equal((await env.store.readManifest("a-copy:v1")).digest, env.digests.a);
  assert.deepEqual(await ollamaFailure(ollama.copy({ source: "nope", destination: "x" })), { status: 404, error: 'model "nope" not found' });
  assert.deepEqual(await ollamaFailure(ollama.copy({ source: "a", destination: "bad name!" })), { status: 400, error: 'destination "bad name!" is invalid' });
  const raw = await request(`${server.url}/api/copy`, { method: "POST", body: JSON.stringify({ source: "a", destination: "a2" }) });
  assert.deepEqual([raw.status, raw.text], [200, ""]);
});

test("delete (DELETE /api/delete): the manifest, and the blobs no other model uses (as `rm`); unknown 404", async () => {
  await ollama.copy({ source: "b", destination: "b-copy" });
  const bModel = (await env.store.readManifest("b")).manifest.layers[0]!.digest;
  assert.deepEqual(await ollama.delete({ model: "b" }), { status: "success" });
  assert.ok(!(await names()).includes("b:latest"));
  assert.ok(await env.store.hasBlob(bModel), "b-copy still uses the weights");
  assert.deepEqual(await ollama.delete({ model: "b-copy" }), { status: "success" });
  assert.ok(!(await env.store.hasBlob(bModel)), "no model uses them any more");
  assert.deepEqual(await ollamaFailure(ollama.delete({ model: "b" })), { status: 404, error: "model 'b' not found" });
  const post = await request(`${server.url}/api/delete`, { method: "POST", body: JSON.stringify({ model: "a2" }) });
  assert.equal(post.status, 404, "only DELETE");
});

test("blobs: HEAD 404 then 200; POST stores the body verified (201), again 200; a wrong digest 400 and stores nothing", async () => {
  const data = Buffer.from("a layer's bytes, uploaded as `ollama create` does\n");
  const digest = `sha256:${createHash("sha256").update(data).digest("hex")}`;
  const head = async (d: string) => (await request(`${server.url}/api/blobs/${d}`, { method: "HEAD" })).status;
  assert.equal(await head(digest), 404);
  const created = await request(`${server.url}/api/blobs/${digest}`, { method: "POST", body: data });
  assert.deepEqual([created.status, created.text], [201, ""]);
  assert.deepEqual(await readFile(env.store.blobPath(digest)), data);
  assert.equal(await head(digest), 200);
  assert.equal(await head(digest.replace(":", "-")), 200);
  assert.equal((await request(`${server.url}/api/blobs/${digest}`, { method: "POST", body: data })).status, 200);

  const other = Buffer.from("other bytes");
  const wrong = `sha256:${"0".repeat(64)}`;
  const mismatch = await request(`${server.url}/api/blobs/${wrong}`, { method: "POST", body: other });
  const actual = `sha256:${createHash("sha256").update(other).digest("hex")}`;
  assert.deepEqual([mismatch.status, mismatch.json], [400, { error: `digest mismatch, expected "${wrong}", got "${actual}"` }]);
  assert.equal(await env.store.hasBlob(actual), false);
  assert.equal(await env.store.hasBlob(wrong), false);
  assert.deepEqual([(await request(`${server.url}/api/blobs/sha256:abc`, { method: "HEAD" })).status], [400]);
});

test("GET /v1/models/{id}: one model as the list has it; an unknown one 404 model_not_found", async () => {
  const listed = (await openai.models.list()).data.find((m) => m.id === "a:latest");
  assert.deepEqual(await openai.models.retrieve("a:latest"), listed);
  assert.deepEqual(await openai.models.retrieve("a"), listed);
  const full = await request(`${server.url}/v1/models/registry.ollama.ai/library/a:latest`);
  assert.deepEqual([full.status, full.json], [200, listed]);
  const missing = await request(`${server.url}/v1/models/nope`);
  assert.equal(missing.status, 404);
  assert.equal((missing.json as { error: { code: string } }).error.code, "model_not_found");
});

test("an unknown route is gin's plain 404 `404 page not found` in either API, never OpenAI's model_not_found", async () => {
  for (const [method, path] of [["GET", "/v1/nope"], ["POST", "/v1/embeddingz"], ["GET", "/api/nope"], ["GET", "/api/generate"], ["PUT", "/v1/models"]]) {
    const r = await request(`${server.url}${path}`, { method: method! });
    assert.deepEqual([r.status, r.text], [404, "404 page not found"], `${method} ${path}`);
    assert.match(r.headers.get("content-type") ?? "", /^text\/plain/);
  }
});
