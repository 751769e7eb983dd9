import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Ollama, ProgressResponse } from "ollama";
import { GgmlType, ggufToBuffer, gv } from "../../src/gguf/index.js";
import type { RunningServer } from "../../src/serve/index.js";
import { modelfileOfRequest } from "../../src/serve/create-api.js";
import { oracleContinuation, oracleLlama, randomLlama, writePeftAdapter, type HfCheckpointSpec, type PeftAdapterSpec } from "../../src/testmodels/index.js";
import { oracleLoraAdapter, oracleLoraContinuation } from "../../src/testmodels/lora.js";
import { json, ms } from "../build/helpers.js";
import { writeTestCheckpoint } from "../convert/helpers.js";
import { TINY_RANDOM } from "../testmodels/specs.js";
import { ollamaClient, ollamaFailure, serveEnv, type ServeEnv } from "./helpers.js";

/**
 * POST /api/create from what `ollama create` uploads for a folder and the JS
 * client sends as `files` / `adapters` (digests of blobs POSTed before):
 * a safetensors checkpoint converted as `FROM ./checkpoint-dir` converts it,
 * quantized with `quantize`; a GGUF LoRA adapter as ADAPTER applies it, a
 * PEFT adapter's files converted as `ADAPTER ./peft-dir` converts them;
 * several GGUFs told apart by their headers; and the refusals. Through the official `ollama` client against a real
 * serve; each manifest compared with `modelsmith create` (a subprocess) of the
 * same Modelfile and files.
 * Ollama decides safetensors or GGUF by the first file's name, else a GGUF magic:
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go#L411-L512
 */

let env: ServeEnv;
let server: RunningServer;
let ollama: Ollama;
let scratch: string;
let checkpoint: string;
/** The checkpoint's files as the client sends them: name to digest. */
let ckptFiles: Record<string, string>;
let oracle: string;
let lora: string;
let projector: Buffer;

/** A tiny GGUF shaped as llama.cpp's mmproj files are (architecture clip, a vision encoder, no block_count), as test/build/projector.test.ts makes one. */
const clipProjector = () =>
  ggufToBuffer({
    metadata: [
      ["general.architecture", gv.str("clip")],
      ["clip.has_vision_encoder", gv.bool(true)],
      ["clip.projector_type", gv.str("mlp")],
    ],
    tensors: [{ name: "mm.0.weight", dims: [32, 1], type: GgmlType.F32, data: new Uint8Array(new Float32Array(32).map((_, i) => i / 32).buffer) }],
  });

/** A create request as Ollama's CreateRequest has it; the client's 0.6.4 types lack `files`, and it sends the request as given. */
const req = <T extends { model: string }>(r: T & { files?: Record<string, string> }) => r as T;

const SECOND = { text: "The lazy fox jumps over the quick brown dog." };

async function upload(bytes: Buffer): Promise<string> {
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const r = await fetch(`${server.url}/api/blobs/${digest}`, { method: "POST", body: bytes });
  assert.equal(r.status, 201);
  return digest;
}

before(async () => {
  env = await serveEnv({});
  server = await env.start();
  ollama = ollamaClient(server);
  scratch = await mkdtemp(path.join(tmpdir(), "modelsmith-create-files-"));
  checkpoint = path.join(scratch, "model");
  await writeTestCheckpoint(checkpoint, "llama", "bpe");
  ckptFiles = {};
  for (const name of (await readdir(checkpoint)).sort()) ckptFiles[name] = await upload(await readFile(path.join(checkpoint, name)));
  oracle = await upload(await ggufToBuffer(oracleLlama({})));
  lora = await upload(await ggufToBuffer(oracleLoraAdapter({}, SECOND)));
  projector = await clipProjector();
});
after(async () => {
  await env?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, { timeout: 30_000 });

/** The manifest digest `modelsmith create NAME -f <Modelfile> [args]` makes in a fresh store, the Modelfile being the one `request` stands for, written in `dir` beside its files. */
async function cliManifest(dir: string, request: Record<string, unknown>, args: string[] = []): Promise<string> {
  const { text } = await modelfileOfRequest(request);
  await writeFile(path.join(dir, "Modelfile"), text);
  const cli = await ms(["create", "by-cli", "-f", path.join(dir, "Modelfile"), "--json", ...args], path.join(dir, "home"));
  assert.equal(cli.exitCode, 0, cli.stderr);
  return json<{ manifest: string }>(cli).manifest;
}

test("safetensors files: converted as `FROM ./checkpoint` converts them (the same manifest as `modelsmith create`); `quantize` quantizes the converted model", async () => {
  const parts: ProgressResponse[] = [];
  // The client's 0.6.4 types lack `files` (Ollama's CreateRequest has it); it sends the request as given.
  const request = { model: "from-st", files: ckptFiles, stream: true as const };
  for await (const p of await ollama.create(request)) parts.push(p);
  assert.equal(parts[0]?.status, "converting model");
  assert.deepEqual(parts.slice(-2).map((p) => p.status), ["writing manifest", "success"]);
  const made = await env.store.readManifest("from-st");
  const shown = await ollama.show({ model: "from-st" });
  assert.equal(shown.details.family, "llama");
  assert.equal(shown.details.quantization_level, "F16");
  assert.equal((await modelfileOfRequest(request)).text.split("\n")[0], "FROM ./model");

  const quantized: ProgressResponse[] = [];
  for await (const p of await ollama.create({ ...request, model: "from-st-q8", quantize: "q8_0" })) quantized.push(p);
  assert.ok(quantized.some((p) => p.status === "quantizing F16 model to Q8_0" && p.total! > 0 && p.completed! <= p.total!), JSON.stringify(quantized));
  assert.equal((await ollama.show({ model: "from-st-q8" })).details.quantization_level, "Q8_0");
  const q8 = await env.store.readManifest("from-st-q8");
  assert.notEqual(q8.digest, made.digest);

  // The CLI, given the same Modelfile and the checkpoint folder beside it, makes the same manifests.
  const cliDir = path.join(scratch, "cli-st");
  await mkdir(cliDir);
  await cp(checkpoint, path.join(cliDir, "model"), { recursive: true });
  assert.equal(await cliManifest(cliDir, request), made.digest);
  assert.equal(await cliManifest(cliDir, request, ["--quantize", "q8_0"]), q8.digest);
});

/** The generator's spec of the checkpoint writeTestCheckpoint wrote, from its config.json (as test/convert/lora.slow.test.ts reads it). */
async function specOf(dir: string): Promise<HfCheckpointSpec> {
  const c = JSON.parse(await readFile(path.join(dir, "config.json"), "utf8")) as Record<string, number>;
  return { arch: "llama", seed: 0, hidden: c.hidden_size!, layers: c.num_hidden_layers!, heads: c.num_attention_heads!, kvHeads: c.num_key_value_heads!, ffn: c.intermediate_size!, vocabSize: c.vocab_size! };
}

/** A PEFT adapter folder for the test checkpoint, written under `name`, and its files uploaded: name to digest. */
async function peftFiles(name: string, extra: Partial<PeftAdapterSpec> = {}): Promise<{ dir: string; files: Record<string, string> }> {
  const dir = path.join(scratch, name);
  await writePeftAdapter(dir, { base: await specOf(checkpoint), seed: 4, scale: 4, targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], ...extra });
  const files: Record<string, string> = {};
  for (const f of (await readdir(dir)).sort()) files[f] = await upload(await readFile(path.join(dir, f)));
  return { dir, files };
}

test("a PEFT adapter in `adapters` (adapter_config.json, adapter_model.safetensors) is converted against the base, as `ADAPTER ./peft-dir` (the same manifest as `modelsmith create`), and changes the answer", async () => {
  // Ollama converts a safetensors adapter (convert.ConvertAdapter): https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go#L570-L580
  const peft = await peftFiles("peft");
  const request = req({ model: "tuned", files: ckptFiles, adapters: peft.files });
  assert.deepEqual(await ollama.create(request), { status: "success" });
  const layers = (await env.store.readManifest("tuned")).manifest.layers;
  assert.equal(layers.filter((l) => l.mediaType === "application/vnd.ollama.image.adapter").length, 1);
  const { text } = await modelfileOfRequest(request);
  assert.deepEqual(text.split("\n").filter((l) => /^(FROM|ADAPTER) /.test(l)), ["FROM ./model", "ADAPTER ./adapter"]);
  const greedy = async (model: string) => (await ollama.generate({ model, prompt: "hello world the", raw: true, options: { num_predict: 8, temperature: 0 } })).response;
  assert.notEqual(await greedy("tuned"), await greedy("from-st"));

  const cliDir = path.join(scratch, "cli-peft");
  await mkdir(cliDir);
  await cp(checkpoint, path.join(cliDir, "model"), { recursive: true });
  await cp(peft.dir, path.join(cliDir, "adapter"), { recursive: true });
  assert.equal(await cliManifest(cliDir, request), (await env.store.readManifest("tuned")).digest);
});

test("a GGUF LoRA in `adapters` changes the answer as ADAPTER does (the same manifest as `modelsmith create`); a GGUF named without .gguf is known by its magic", async () => {
  const base = { files: { weights: oracle }, template: "{{ .Prompt }}", parameters: { temperature: 0, num_predict: 10 } };
  assert.deepEqual(await ollama.create({ model: "adapted", ...base, adapters: { "lora.gguf": lora } }), { status: "success" });
  const adapted = await ollama.generate({ model: "adapted", prompt: "The" });
  // Without the adapter the oracle says " quick brown fox …" (test/runtime/lora.test.ts runs both); with it, the LoRA's text.
  assert.notEqual(oracleLoraContinuation({}, SECOND, "The", 10).rawText, oracleContinuation({}, "The", 10).rawText);
  assert.equal(adapted.response, oracleLoraContinuation({}, SECOND, "The", 10).rawText);
  const layers = (await env.store.readManifest("adapted")).manifest.layers.map((l) => l.mediaType);
  assert.ok(layers.includes("application/vnd.ollama.image.adapter"), layers.join());

  const cliDir = path.join(scratch, "cli-lora");
  await mkdir(cliDir);
  await writeFile(path.join(cliDir, "weights"), await ggufToBuffer(oracleLlama({})));
  await writeFile(path.join(cliDir, "lora.gguf"), await ggufToBuffer(oracleLoraAdapter({}, SECOND)));
  const request = { ...base, adapters: { "lora.gguf": lora } };
  assert.match((await modelfileOfRequest(request, { files: "gguf", adapters: "gguf" })).text, /^ADAPTER \.\/lora\.gguf$/m);
  const { text } = await modelfileOfRequest(request, { files: "gguf", adapters: "gguf" });
  await writeFile(path.join(cliDir, "Modelfile"), text);
  const cli = await ms(["create", "by-cli", "-f", path.join(cliDir, "Modelfile"), "--json"], path.join(cliDir, "home"));
  assert.equal(cli.exitCode, 0, cli.stderr);
  assert.equal(json<{ manifest: string }>(cli).manifest, (await env.store.readManifest("adapted")).digest);
});

test("several GGUF files, as `ollama create` sends a folder's: the model, its projector (a later FROM) and a LoRA (ADAPTER), each known by its header; the same manifest as `modelsmith create`", async () => {
  // Ollama types each GGUF's layer from its header (ggufLayers): https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go#L1264-L1296
  const files = { "model.gguf": oracle, "mmproj.gguf": await upload(projector), "lora.gguf": lora };
  const request = req({ model: "folder", files, template: "{{ .Prompt }}", parameters: { temperature: 0, num_predict: 10 } });
  assert.deepEqual(await ollama.create(request), { status: "success" });
  const layers = (await env.store.readManifest("folder")).manifest.layers;
  assert.deepEqual(
    layers.filter((l) => /model|projector|adapter/.test(l.mediaType)).map((l) => [l.mediaType, l.digest]),
    [["application/vnd.ollama.image.model", oracle], ["application/vnd.ollama.image.projector", files["mmproj.gguf"]], ["application/vnd.ollama.image.adapter", lora]],
  );

  const roles = new Map([["model.gguf", "model"], ["mmproj.gguf", "projector"], ["lora.gguf", "adapter"]] as const);
  const { text } = await modelfileOfRequest(request, { files: "gguf", adapters: "", roles });
  assert.deepEqual(text.split("\n").filter((l) => /^(FROM|ADAPTER) /.test(l)), ["FROM ./model.gguf", "ADAPTER ./lora.gguf", "FROM ./mmproj.gguf"]);
  const cliDir = path.join(scratch, "cli-folder");
  await mkdir(cliDir);
  await writeFile(path.join(cliDir, "model.gguf"), await ggufToBuffer(oracleLlama({})));
  await writeFile(path.join(cliDir, "mmproj.gguf"), projector);
  await writeFile(path.join(cliDir, "lora.gguf"), await ggufToBuffer(oracleLoraAdapter({}, SECOND)));
  await writeFile(path.join(cliDir, "Modelfile"), text);
  const cli = await ms(["create", "by-cli", "-f", path.join(cliDir, "Modelfile"), "--json"], path.join(cliDir, "home"));
  assert.equal(cli.exitCode, 0, cli.stderr);
  assert.equal(json<{ manifest: string }>(cli).manifest, (await env.store.readManifest("folder")).digest);
});

test("refused with a 400 and its code: a DoRA adapter, two GGUF adapters, a split GGUF without all its parts, two models, files of no known type; nothing is stored", async () => {
  // A PEFT adapter the converter refuses (DoRA): its code, at the ADAPTER line of the Modelfile the request stands for.
  const dora = await peftFiles("dora", { seed: 5, config: { use_dora: true } });
  const refusedPeft = await ollamaFailure(ollama.create(req({ model: "r1", files: ckptFiles, adapters: dora.files })));
  assert.equal(refusedPeft.status, 400);
  assert.match(refusedPeft.error, /^MS3300: ADAPTER \.\/adapter: "use_dora": true/);
  // Ollama's errOnlyOneAdapterSupported: https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go#L424-L426
  const two = await ollamaFailure(ollama.create(req({ model: "r2", files: { "o.gguf": oracle }, adapters: { "a.gguf": lora, "b.gguf": lora } })));
  assert.equal(two.status, 400);
  assert.match(two.error, /^MS8113: only one adapter is currently supported/);
  // A split GGUF (llama-gguf-split's split.count) without all its parts (Ollama's mergeSplitGGUFLayers; whole sets are joined: split-gguf.slow.test.ts); two models.
  const part = (no: number) => ggufToBuffer({ metadata: [["general.architecture", gv.str("llama")], ["split.no", gv.u16(no)], ["split.count", gv.u16(3)], ["split.tensors.count", gv.i32(0)]], tensors: [] });
  const parts = { "m-00001-of-00003.gguf": await upload(await part(0)), "m-00002-of-00003.gguf": await upload(await part(1)) };
  const split = await ollamaFailure(ollama.create(req({ model: "r3", files: parts })));
  assert.equal(split.status, 400);
  assert.match(split.error, /^MS8115: split GGUF "m-00001-of-00003\.gguf" has 2 shards, expected 3/);
  const twoModels = await ollamaFailure(ollama.create(req({ model: "r6", files: { "a.gguf": oracle, "b.gguf": await upload(await ggufToBuffer(randomLlama(TINY_RANDOM))) } })));
  assert.equal(twoModels.status, 400);
  assert.match(twoModels.error, /^MS8110: 2 model GGUF files among `files`: a\.gguf, b\.gguf/);
  // Ollama's errUnknownType: no *.safetensors, no *.gguf, and no file that starts with GGUF's magic.
  const notes = await upload(Buffer.from("just some notes\n"));
  const unknown = await ollamaFailure(ollama.create(req({ model: "r4", files: { "notes.txt": notes } })));
  assert.equal(unknown.status, 400);
  assert.match(unknown.error, /^MS8112: unknown type: no GGUF file and no \*\.safetensors among `files`/);
  const unknownAdapter = await ollamaFailure(ollama.create(req({ model: "r5", files: { "o.gguf": oracle }, adapters: { "notes.txt": notes } })));
  assert.match(unknownAdapter.error, /^MS8112: .*`adapters`/);
  for (const name of ["r1", "r2", "r3", "r4", "r5", "r6"]) await assert.rejects(env.store.readManifest(name));
  // Nothing laid out is left in the store's tmp/.
  assert.deepEqual((await readdir(env.store.layout.tmpDir).catch(() => [])).filter((n) => n.startsWith("create-")), []);
});
