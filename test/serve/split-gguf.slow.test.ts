import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { getLlama, LlamaCompletion } from "node-llama-cpp";
import type { Ollama } from "ollama";
import { ggufToBuffer, gv, readGgufFile, type GgufWriteInput } from "../../src/gguf/index.js";
import { mergeSplitGguf, readSplitSet, splitPartName } from "../../src/gguf/split.js";
import type { RunningServer } from "../../src/serve/index.js";
import { modelfileOfRequest } from "../../src/serve/create-api.js";
import { oracleLlama } from "../../src/testmodels/index.js";
import { json, ms } from "../build/helpers.js";
import { CYCLING_SPEC, ollamaClient, ollamaFailure, oracleText, serveEnv, type ServeEnv } from "./helpers.js";

/**
 * Split GGUF sets, as llama.cpp's llama-gguf-split writes them, in `FROM` and
 * in POST /api/create's `files`. Ollama's create joins the parts into one
 * model layer (mergeSplitGGUFLayers, then a copy without the split keys):
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go#L430-L460
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go#L996-L1005
 * The parts are written as gguf-split's split_strategy writes them: the
 * first part has every key of the model, then `split.no` (u16), `split.count`
 * (u16) and `split.tensors.count` (i32); the others only those three; the
 * tensors in order, a run per part:
 * https://github.com/ggml-org/llama.cpp/blob/master/tools/gguf-split/gguf-split.cpp#L228-L246
 */

let env: ServeEnv;
let server: RunningServer;
let ollama: Ollama;
let scratch: string;
/** The unsplit oracle GGUF. */
let whole: Buffer;
/** Its three parts, in order. */
let parts: Buffer[];

const N = 3;
const partName = (i: number) => splitPartName("oracle", i, N);
const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** `input` as llama-gguf-split --split-max-tensors would write it in `n` parts (tensors dealt out in order, as evenly as they go). */
function splitAsGgufSplit(input: GgufWriteInput, n: number): GgufWriteInput[] {
  const per = Math.ceil(input.tensors.length / n);
  return Array.from({ length: n }, (_, i) => ({
    metadata: [
      ...(i === 0 ? [...input.metadata] : []),
      ["split.no", gv.u16(i)] as const,
      ["split.count", gv.u16(n)] as const,
      ["split.tensors.count", gv.i32(input.tensors.length)] as const,
    ],
    tensors: input.tensors.slice(i * per, (i + 1) * per),
  }));
}

before(async () => {
  env = await serveEnv({});
  server = await env.start();
  ollama = ollamaClient(server);
  scratch = await mkdtemp(path.join(tmpdir(), "modelsmith-split-"));
  const input = oracleLlama(CYCLING_SPEC);
  whole = await ggufToBuffer(input);
  parts = await Promise.all(splitAsGgufSplit(input, N).map((p) => ggufToBuffer(p)));
  for (const [i, p] of parts.entries()) await writeFile(path.join(scratch, partName(i)), p);
});
after(async () => {
  await env?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, { timeout: 30_000 });

test("the parts are a split llama.cpp loads from its first part (node-llama-cpp), and joined they are the unsplit GGUF byte for byte", async () => {
  assert.ok(parts.every((p) => p.length < whole.length));
  const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
  const model = await llama.loadModel({ modelPath: path.join(scratch, partName(0)) });
  try {
    const context = await model.createContext({ contextSize: 256, threads: 1 });
    const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
    assert.equal(" " + (await completion.generateCompletion("The quick brown", { maxTokens: 12, temperature: 0 })), oracleText("The quick brown"));
    await context.dispose();
  } finally {
    await model.dispose();
  }
  const first = path.join(scratch, partName(0));
  const set = await readSplitSet(first, await readGgufFile(first), partName(0));
  const out = path.join(scratch, "joined.gguf");
  const written = await mergeSplitGguf(set, out);
  const joined = await readFile(out);
  assert.equal(joined.length, whole.length);
  assert.ok(joined.equals(whole), "the joined file is the unsplit one");
  assert.equal(`sha256:${written.sha256}`, sha(whole));
  await unlink(out);
});

test("/api/create with every part (as Ollama's create joins them): one model layer, the unsplit GGUF; the model answers; `modelsmith create` FROM the first part makes the same manifest", async () => {
  const files: Record<string, string> = {};
  for (const [i, p] of parts.entries()) {
    const digest = sha(p);
    assert.equal((await fetch(`${server.url}/api/blobs/${digest}`, { method: "POST", body: p })).status, 201);
    files[partName(i)] = digest;
  }
  const request = { model: "joined", files, parameters: { temperature: 0, num_predict: 12 } };
  // The client's 0.6.4 types lack `files`; it sends the request as given.
  assert.deepEqual(await ollama.create(request as unknown as { model: string; from: string }), { status: "success" });
  const made = await env.store.readManifest("joined");
  const models = made.manifest.layers.filter((l) => l.mediaType === "application/vnd.ollama.image.model");
  assert.deepEqual(models.map((l) => [l.digest, l.size]), [[sha(whole), whole.length]]);
  const answer = await ollama.generate({ model: "joined", prompt: "The quick brown" });
  assert.equal(answer.response, oracleText("The quick brown"));
  const shown = await ollama.show({ model: "joined" });
  const info = shown.model_info as unknown as Record<string, unknown>;
  assert.equal("split.count" in info, false);
  assert.equal(info["general.architecture"], "llama");

  const { text } = await modelfileOfRequest(request);
  assert.equal(text.split("\n")[0], `FROM ./${partName(0)}`);
  await writeFile(path.join(scratch, "Modelfile"), text);
  const cli = await ms(["create", "by-cli", "-f", path.join(scratch, "Modelfile"), "--json"], path.join(scratch, "home"));
  assert.equal(cli.exitCode, 0, cli.stderr);
  assert.equal(json<{ manifest: string }>(cli).manifest, made.digest);
  // A rebuild joins nothing again: the step is cached by the parts' digests.
  const again = await ms(["create", "by-cli", "-f", path.join(scratch, "Modelfile"), "--json"], path.join(scratch, "home"));
  assert.equal(again.exitCode, 0, again.stderr);
  assert.equal(json<{ manifest: string }>(again).manifest, made.digest);
});

test("refused: /api/create without a part or with a misnamed one (MS8115, Ollama's messages); FROM a later part (MS3341) or with a part missing (MS3340), exit 2 at the FROM line", async () => {
  const files = Object.fromEntries(parts.map((p, i) => [partName(i), sha(p)]));
  // Ollama's mergeSplitGGUFLayers and splitGGUFGroupKey: https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go#L1128-L1170
  const short = await ollamaFailure(ollama.create({ model: "r1", files: { [partName(0)]: files[partName(0)]!, [partName(1)]: files[partName(1)]! } } as unknown as { model: string; from: string }));
  assert.equal(short.status, 400);
  assert.ok(short.error.startsWith(`MS8115: split GGUF "${partName(0)}" has 2 shards, expected 3 (`), short.error);
  const misnamed = await ollamaFailure(ollama.create({ model: "r2", files: { [partName(0)]: files[partName(0)]!, "second.gguf": files[partName(1)]!, [partName(2)]: files[partName(2)]! } } as unknown as { model: string; from: string }));
  assert.equal(misnamed.status, 400);
  assert.ok(misnamed.error.startsWith('MS8115: split GGUF "second.gguf" must use llama.cpp split filename pattern ('), misnamed.error);
  for (const name of ["r1", "r2"]) await assert.rejects(env.store.readManifest(name));

  const home = path.join(scratch, "home-refused");
  await writeFile(path.join(scratch, "Later"), `FROM ./${partName(1)}\n`);
  const later = await ms(["create", "later", "-f", path.join(scratch, "Later")], home);
  assert.equal(later.exitCode, 2, later.stderr);
  assert.match(later.stderr, new RegExp(`MS3341.*${partName(1).replace(/\./g, "\\.")}: is part 2 of a split GGUF of 3; name the first part`));
  assert.match(later.stderr, /Later:1:/);
  assert.doesNotMatch(later.stderr, /\n\s+at /); // no stack trace

  await unlink(path.join(scratch, partName(2)));
  try {
    await writeFile(path.join(scratch, "First"), `FROM ./${partName(0)}\n`);
    const missing = await ms(["create", "missing", "-f", path.join(scratch, "First")], home);
    assert.equal(missing.exitCode, 2, missing.stderr);
    assert.match(missing.stderr, new RegExp(`MS3340.*part 3 of the split GGUF, ${partName(2).replace(/\./g, "\\.")}, is missing`));
  } finally {
    await writeFile(path.join(scratch, partName(2)), parts[2]!);
  }
});
