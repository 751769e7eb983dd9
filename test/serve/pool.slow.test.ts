import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { RunningServer, ServeOptions } from "../../src/serve/index.js";
import { collect, ollamaClient, ollamaFailure, runnerOneThread, oracleText, request, serveEnv, type ServeEnv } from "./helpers.js";

/**
 * The model pool (issue 10, item 6), after Ollama's scheduler
 * (https://github.com/ollama/ollama/blob/main/server/sched.go): loads keyed by
 * what is loaded, not by the name's spelling; OLLAMA_MAX_LOADED_MODELS with the
 * least recently used idle model unloaded first; OLLAMA_MAX_QUEUE then ErrMaxQueue
 * as a 503; a request with another num_ctx reloads the model (needsReload).
 */

let env: ServeEnv;
before(async () => {
  env = await serveEnv();
});
after(() => env?.cleanup(), { timeout: 30_000 });

/** A server whose loads are counted: the real openModel, on one thread, with the options it was given. */
async function counted(options: Partial<ServeOptions> = {}): Promise<{ server: RunningServer; opens: Array<{ name: string; contextSize?: number }>; warnings: string[] }> {
  const opens: Array<{ name: string; contextSize?: number }> = [];
  const warnings: string[] = [];
  const open: NonNullable<ServeOptions["open"]> = (root, name, o) => {
    opens.push({ name, ...(o.contextSize !== undefined ? { contextSize: o.contextSize } : {}) });
    return runnerOneThread(root, name, { ...o, onWarning: (d: { code: string; message: string }) => warnings.push(`${d.code} ${d.message}`) } as typeof o);
  };
  return { server: await env.start({ open, ...options }), opens, warnings };
}

test("one load for every spelling of a model and for another tag with the same digest", async () => {
  const { server, opens } = await counted();
  const ollama = ollamaClient(server);
  await ollama.copy({ source: "oracle", destination: "oracle-alias:v2" });
  const spellings = ["oracle", "oRacle", "ORACLE:latest", "oracle:latest", "library/oracle", "registry.ollama.ai/library/oracle:latest", "oracle-alias:v2"];
  const answers = await Promise.all(spellings.map((model) => ollama.generate({ model, prompt: "The lazy", options: { num_predict: 3 } })));
  assert.deepEqual(answers.map((a) => a.response), spellings.map(() => oracleText("The lazy", 3)));
  for (const model of spellings) await ollama.generate({ model, prompt: "dog.", options: { num_predict: 2 } });
  assert.equal(opens.length, 1, JSON.stringify(opens));
  assert.equal((await ollama.ps()).models.length, 1);
  await ollama.delete({ model: "oracle-alias:v2" });
  await server.close();
});

test("max-loaded 1: a second model unloads the idle first one; asking for the first again loads it again", async () => {
  const { server, opens } = await counted({ maxLoaded: 1 });
  const ollama = ollamaClient(server);
  await ollama.generate({ model: "oracle", prompt: "The", options: { num_predict: 1 } });
  await ollama.generate({ model: "random", prompt: "x", options: { num_predict: 1 } });
  assert.deepEqual((await ollama.ps()).models.map((m) => m.name), ["random:latest"]);
  await ollama.generate({ model: "oracle", prompt: "The", options: { num_predict: 1 } });
  assert.deepEqual((await ollama.ps()).models.map((m) => m.name), ["oracle:latest"]);
  assert.deepEqual(opens.map((o) => o.name), ["oracle", "random", "oracle"]);
  await server.close();
});

test("max-loaded 2: the least recently used model is the one unloaded", async () => {
  const { server } = await counted({ maxLoaded: 2 });
  const ollama = ollamaClient(server);
  for (const model of ["oracle", "random", "oracle", "oracle-eos"]) await ollama.generate({ model, prompt: "The", options: { num_predict: 1 } });
  assert.deepEqual((await ollama.ps()).models.map((m) => m.name).sort(), ["oracle-eos:latest", "oracle:latest"]);
  await server.close();
});

test("max-loaded 1 while the loaded model is busy: the other model waits for it, then loads", async () => {
  const { server, opens } = await counted({ maxLoaded: 1 });
  const ollama = ollamaClient(server);
  const first = ollama.generate({ model: "oracle", prompt: "The", options: { num_predict: 30 } });
  const second = ollama.generate({ model: "oracle-eos", prompt: "The", options: { num_predict: 2 } });
  const [a, b] = await Promise.all([first, second]);
  assert.equal(a.response, oracleText("The", 30));
  assert.equal(b.eval_count, 2);
  assert.deepEqual(opens.map((o) => o.name), ["oracle", "oracle-eos"]);
  await server.close();
});

test("a request with another num_ctx reloads the model with it, as Ollama does; the same num_ctx reuses that load", async () => {
  const { server, opens, warnings } = await counted();
  const ollama = ollamaClient(server);
  await ollama.generate({ model: "oracle", prompt: "The", options: { num_predict: 1 } });
  await ollama.generate({ model: "oracle", prompt: "The", options: { num_predict: 1, num_ctx: 256 } });
  await ollama.generate({ model: "oracle", prompt: "The", options: { num_predict: 1, num_ctx: 256 } });
  assert.deepEqual(opens, [{ name: "oracle" }, { name: "oracle", contextSize: 256 }]);
  assert.equal((await ollama.ps()).models.length, 1);
  // The loaded model has the requested num_ctx: no "parameter num_ctx is not honoured" (MS8003) as before.
  assert.deepEqual(warnings.filter((w) => w.includes("num_ctx")), []);
  await server.close();
});

test("max-queue 1 with one sequence: a request beyond the one waiting is a 503 with Ollama's ErrMaxQueue body", async () => {
  const { server } = await counted({ maxQueue: 1, parallel: 1 });
  const ollama = ollamaClient(server);
  // Long enough to still run while the other two arrive (aborted below): through a runner 400 tokens of the oracle could end within the 300 ms wait.
  const running = await ollama.generate({ model: "oracle", prompt: "The", stream: true, options: { num_predict: 20000 } });
  const firstPart = running[Symbol.asyncIterator]().next();
  await firstPart;
  const waiting = ollama.generate({ model: "oracle", prompt: "dog.", options: { num_predict: 2 } });
  await new Promise((r) => setTimeout(r, 300));
  const raw = await request(`${server.url}/api/generate`, { method: "POST", body: JSON.stringify({ model: "oracle", prompt: "x", stream: false }) });
  assert.equal(raw.status, 503);
  // https://github.com/ollama/ollama/blob/main/server/sched.go: ErrMaxQueue
  assert.deepEqual(raw.json, { error: "server busy, please try again.  maximum pending requests exceeded" });
  assert.match((await ollamaFailure(ollama.chat({ model: "oracle", messages: [{ role: "user", content: "x" }] }))).error, /maximum pending requests exceeded/);
  running.abort();
  assert.equal((await waiting).response, oracleText("dog.", 2));
  await collect(running).catch(() => undefined);
  await server.close();
});
