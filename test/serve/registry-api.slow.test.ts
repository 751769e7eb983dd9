import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Ollama, ProgressResponse } from "ollama";
import type { RunningServer } from "../../src/serve/index.js";
import { freePort, registryMissing, startRegistry } from "../registry/helpers.js";
import { ollamaClient, ollamaFailure, oracleText, serveEnv, TEST_MODELS, type ServeEnv } from "./helpers.js";

/**
 * /api/push and /api/pull through the official `ollama` client against
 * `modelsmith serve` and a real Distribution registry (`docker-registry`) on
 * 127.0.0.1: the progress lines as Ollama's PushModel / PullModel send them,
 * the pulled model the pushed one (same manifest digest) and it answers a
 * chat with the oracle's text.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/images.go#L931-L1125
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L1102-L1210
 */

const skip = registryMissing();

let source: ServeEnv;
let target: ServeEnv;
let from: Ollama;
let into: Ollama;
let fromServer: RunningServer;

before(async () => {
  if (skip) return;
  source = await serveEnv({ oracle: TEST_MODELS.oracle! });
  target = await serveEnv({});
  fromServer = await source.start();
  from = ollamaClient(fromServer);
  into = ollamaClient(await target.start());
});
after(async () => {
  await source?.cleanup();
  await target?.cleanup();
}, { timeout: 30_000 });

async function collect(it: AsyncIterable<ProgressResponse>): Promise<ProgressResponse[]> {
  const out: ProgressResponse[] = [];
  for await (const p of it) out.push(p);
  return out;
}

/** The statuses in order, with a run of the same one told once. */
const statuses = (parts: ProgressResponse[]) => parts.map((p) => p.status).filter((s, i, all) => s !== all[i - 1]);

test("push then pull over the API (streamed): Ollama's progress lines, the same manifest digest, and the pulled model answers", { skip }, async (t) => {
  const registry = await startRegistry(t);
  const name = `${registry.host}/library/oracle:v1`;
  await from.copy({ source: "oracle", destination: name });
  const blobs = (await source.store.readManifest("oracle")).manifest;
  const digests = [blobs.config.digest, ...blobs.layers.map((l) => l.digest)];
  const sizes = new Map([blobs.config, ...blobs.layers].map((l) => [l.digest, l.size]));

  const pushed = await collect(await from.push({ model: name, insecure: true, stream: true }));
  const pushOrder = statuses(pushed);
  assert.equal(pushOrder[0], "retrieving manifest");
  assert.deepEqual(pushOrder.slice(-2), ["pushing manifest", "success"]);
  for (const d of digests) {
    const last = pushed.filter((p) => p.digest === d).at(-1);
    assert.ok(last, `a progress line for ${d}`);
    assert.deepEqual([last.status, last.total, last.completed], [`pushing ${d.slice(7, 19)}`, sizes.get(d), sizes.get(d)]);
  }
  // The registry has the store's manifest byte for byte.
  const head = await fetch(`http://${registry.host}/v2/library/oracle/manifests/v1`, { method: "HEAD", headers: { Accept: blobs.mediaType } });
  assert.equal(head.headers.get("docker-content-digest"), source.digests.oracle);

  const pulled = await collect(await into.pull({ model: name, insecure: true, stream: true }));
  const pullOrder = statuses(pulled);
  assert.equal(pullOrder[0], "pulling manifest");
  assert.deepEqual(pullOrder.slice(-3), ["verifying sha256 digest", "writing manifest", "success"]);
  for (const d of digests) {
    const lines = pulled.filter((p) => p.digest === d);
    assert.ok(lines.length > 0, `a progress line for ${d}`);
    assert.ok(lines.every((p) => p.status === `pulling ${d.slice(7, 19)}` && p.total === sizes.get(d) && p.completed! <= p.total!));
    assert.equal(lines.at(-1)!.completed, sizes.get(d));
  }
  assert.equal((await target.store.readManifest(name)).digest, source.digests.oracle);
  const answer = await into.chat({ model: name, messages: [{ role: "user", content: "The quick brown" }] });
  assert.equal(answer.message.content, oracleText("The quick brown"));
  assert.ok((await into.list()).models.some((m) => m.name === name));
});

test("push and pull with stream false: one answer, the last progress ({status: success}); a second pull has every blob", { skip }, async (t) => {
  const registry = await startRegistry(t);
  const name = `${registry.host}/tests/fox:latest`;
  await from.copy({ source: "oracle", destination: name });
  assert.deepEqual(await from.push({ model: name }), { status: "success" });
  assert.deepEqual(await into.pull({ model: name }), { status: "success" });
  assert.deepEqual(await into.pull({ model: name }), { status: "success" });
  assert.equal((await target.store.readManifest(name)).digest, source.digests.oracle);
  // Deleted over the API, then pulled again: the store has it back.
  await into.delete({ model: name });
  await assert.rejects(target.store.readManifest(name));
  const again = await collect(await into.pull({ model: name, stream: true }));
  assert.equal(again.at(-1)!.status, "success");
  assert.equal((await target.store.readManifest(name)).digest, source.digests.oracle);
});

test("failures: an unreachable registry is an error answer, not a hang; an unknown model 404; no model 400; a missing tag", { skip }, async (t) => {
  const port = await freePort();
  const gone = `127.0.0.1:${port}/library/none:v1`;
  const refused = await ollamaFailure(into.pull({ model: gone }));
  assert.equal(refused.status, 500);
  assert.match(refused.error, /cannot reach|ECONNREFUSED|connect/i);
  // Streamed: "pulling manifest", then the error as the stream's last line (the client throws it).
  await assert.rejects(collect(await into.pull({ model: gone, stream: true })), /cannot reach|ECONNREFUSED|connect/i);
  assert.deepEqual(await ollamaFailure(from.push({ model: "127.0.0.1:1/library/nope:v1" })), { status: 404, error: 'model "127.0.0.1:1/library/nope:v1" not found' });
  const none = await fetch(`${fromServer.url}/api/pull`, { method: "POST", body: "{}" });
  assert.deepEqual([none.status, await none.json()], [400, { error: "model is required" }]);
  const registry = await startRegistry(t);
  const missing = await ollamaFailure(into.pull({ model: `${registry.host}/library/absent:v9` }));
  // Ollama's PullHandler sends the failure without a status: 500.
  assert.equal(missing.status, 500);
  assert.match(missing.error, /^MS\d{4}: .*absent/);
});
