import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openModel } from "../../src/runtime/index.js";
import { startServer, type RunningServer } from "../../src/serve/index.js";
import { oracleContinuation, oracleLlama } from "../../src/testmodels/index.js";
import { storeModel, tempStore } from "../runtime/store-model.js";

let env: Awaited<ReturnType<typeof tempStore>>;
let server: RunningServer;
const opened: string[] = [];

before(async () => {
  env = await tempStore();
  await storeModel(env.store, "fox", { gguf: oracleLlama({}), params: { temperature: 0, num_predict: 3 } });
  server = await startServer({
    storeRoot: env.root,
    port: 0,
    open: (root, name, o) => {
      opened.push(name);
      return openModel(root, name, { ...o, threads: 1, gpu: false });
    },
  });
});
after(async () => {
  await server?.close();
  await env?.cleanup();
});

async function generate(body: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${server.url}/api/generate`, { method: "POST", body: JSON.stringify({ stream: false, raw: true, ...body }) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

test("a model rebuilt while the server runs answers with the new build from the next request on; an unchanged one is not loaded again", async () => {
  const first = await generate({ model: "fox", prompt: "The quick brown" });
  assert.equal(first.status, 200);
  assert.equal(first.json.response, oracleContinuation({}, "The quick brown", 3).rawText);
  const again = await generate({ model: "fox:latest", prompt: "The quick brown" });
  assert.equal(again.json.response, first.json.response);
  assert.equal(opened.length, 1, "loaded once");

  // What `modelsmith build` does after a Modelfile edit: a new manifest under the same name.
  await storeModel(env.store, "fox", { gguf: oracleLlama({}), params: { temperature: 0, num_predict: 6 } });
  const rebuilt = await generate({ model: "fox", prompt: "The quick brown" });
  assert.equal(rebuilt.json.response, oracleContinuation({}, "The quick brown", 6).rawText);
  assert.equal(rebuilt.json.eval_count, 6);
  assert.equal(opened.length, 2, "loaded again once");

  const ps = (await (await fetch(`${server.url}/api/ps`)).json()) as { models: { name: string }[] };
  assert.deepEqual(ps.models.map((m) => m.name), ["fox:latest"], "the old build is gone");
});

test("a model removed from the store is 404, even while loaded", async () => {
  await generate({ model: "fox", prompt: "The" });
  await env.store.removeManifest("fox");
  const r = await generate({ model: "fox", prompt: "The" });
  assert.equal(r.status, 404);
  assert.match(String(r.json.error), /^model 'fox' not found/);
});
