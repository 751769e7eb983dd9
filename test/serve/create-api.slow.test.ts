import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Ollama, ProgressResponse } from "ollama";
import { GgmlType, GgufValueType, ggufToBuffer, gv } from "../../src/gguf/index.js";
import type { RunningServer } from "../../src/serve/index.js";
import { modelfileOfRequest } from "../../src/serve/create-api.js";
import { oracleLlama } from "../../src/testmodels/index.js";
import { json, ms } from "../build/helpers.js";
import { CYCLING_SPEC, ollamaClient, ollamaFailure, oracleText, post, serveEnv, type ServeEnv } from "./helpers.js";

/**
 * POST /api/create through the official `ollama` client against `modelsmith
 * serve`: a GGUF uploaded with POST /api/blobs, created from `files`, or a
 * model created `from` another; the manifest is the one `modelsmith create`
 * makes of the same Modelfile, and the created model answers a chat with the
 * oracle's text.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/api/types.go
 */

let env: ServeEnv;
let server: RunningServer;
let ollama: Ollama;
let gguf: Buffer;
let digest: string;
let scratch: string;

before(async () => {
  env = await serveEnv({});
  server = await env.start();
  ollama = ollamaClient(server);
  gguf = await ggufToBuffer(oracleLlama(CYCLING_SPEC));
  digest = `sha256:${createHash("sha256").update(gguf).digest("hex")}`;
  scratch = await mkdtemp(path.join(tmpdir(), "modelsmith-create-api-"));
});
after(async () => {
  await env?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, { timeout: 30_000 });

const REQUEST = { parameters: { temperature: 0, num_predict: 12, num_ctx: 512, stop: ["<|end|>", "###"] }, system: "You recite.", license: "MIT" };

test("create from an uploaded GGUF (streamed): status lines ending in success; the model answers; the same manifest as `modelsmith create`", async () => {
  const up = await fetch(`${server.url}/api/blobs/${digest}`, { method: "POST", body: gguf });
  assert.equal(up.status, 201);
  const parts: ProgressResponse[] = [];
  // The client's 0.6.4 types lack `files` (Ollama's CreateRequest has it); it sends the request as given.
  const request = { model: "made", files: { "oracle.gguf": digest }, ...REQUEST, stream: true as const };
  for await (const p of await ollama.create(request)) parts.push(p);
  assert.ok(parts.length >= 3, JSON.stringify(parts));
  assert.deepEqual(parts.slice(-2).map((p) => p.status), ["writing manifest", "success"]);
  assert.ok(parts.every((p) => typeof p.status === "string" && p.status !== ""));
  const made = await env.store.readManifest("made");
  const answer = await ollama.chat({ model: "made", messages: [{ role: "user", content: "The quick brown" }] });
  assert.equal(answer.message.content, oracleText("The quick brown"));
  const shown = await ollama.show({ model: "made" });
  assert.equal(shown.system, "You recite.");
  assert.match(shown.parameters, /stop\s+"?<\|end\|>"?/);

  // The CLI, given the Modelfile the request stands for and the GGUF beside it, makes the same manifest.
  const { text } = await modelfileOfRequest({ files: { "oracle.gguf": digest }, ...REQUEST });
  assert.match(text, /^FROM \.\/oracle\.gguf$/m);
  await writeFile(path.join(scratch, "Modelfile"), text);
  await writeFile(path.join(scratch, "oracle.gguf"), gguf);
  const cli = await ms(["create", "made-by-cli", "-f", path.join(scratch, "Modelfile"), "--json"], path.join(scratch, "home"));
  assert.equal(cli.exitCode, 0, cli.stderr);
  assert.equal(json<{ manifest: string }>(cli).manifest, made.digest);
});

test("create from a stored model (stream false): one answer {status: success}; the new SYSTEM and MESSAGEs, the base's weights", async () => {
  assert.deepEqual(
    await ollama.create({ model: "child:v1", from: "made", system: "Be brief.", messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "hello" }] }),
    { status: "success" },
  );
  const shown = await ollama.show({ model: "child:v1" });
  assert.equal(shown.system, "Be brief.");
  assert.deepEqual(shown.messages?.map((m) => [m.role, m.content]), [["user", "hi"], ["assistant", "hello"]]);
  const base = (await env.store.readManifest("made")).manifest.layers.find((l) => l.mediaType.endsWith(".model"));
  const child = (await env.store.readManifest("child:v1")).manifest.layers.find((l) => l.mediaType.endsWith(".model"));
  assert.equal(child?.digest, base?.digest);
  assert.ok((await ollama.list()).models.some((m) => m.name === "child:v1"));
});

/** A small GGUF shaped as llama.cpp's mmproj files are (architecture clip, a vision encoder, no block_count): `name` in general.name, arrays of 3, 6 and 0 values. */
const clipProjector = (name: string, rows: number) =>
  ggufToBuffer({
    metadata: [
      ["general.architecture", gv.str("clip")],
      ["general.name", gv.str(name)],
      ["clip.has_vision_encoder", gv.bool(true)],
      ["clip.projector_type", gv.str("mlp")],
      ["clip.vision.image_mean", gv.arr(GgufValueType.FLOAT32, [0.5, 0.25, 0.125])],
      ["clip.vision.feature_layer", gv.arr(GgufValueType.INT32, [1, 2, 3, 4, 5, 6])],
      ["clip.vision.empty", gv.arr(GgufValueType.INT32, [])],
    ],
    tensors: [
      { name: "mm.0.weight", dims: [8, rows], type: GgmlType.F32, data: new Uint8Array(new Float32Array(8 * rows).buffer) },
      { name: "mm.0.bias", dims: [rows], type: GgmlType.F32, data: new Uint8Array(new Float32Array(rows).buffer) },
    ],
  });

test("show: projector_info is the first projector's metadata as Ollama shapes it (general.name kept, parameter_count patched in, arrays null unless verbose); a model without one has no projector_info", async () => {
  // Ollama's ShowHandler: resp.ProjectorInfo = getModelData(m.ProjectorPaths[0]) whole, where model_info drops general.name and tokenizer.chat_template:
  // https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L1579-L1595
  // and ggml's decoder patches general.parameter_count (the sum of the tensors' elements) into the KV:
  // https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/fs/ggml/gguf.go#L250-L251
  // `projector_info` is omitempty: https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/api/types.go#L750
  const upload = async (bytes: Buffer) => {
    const d = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    assert.equal((await fetch(`${server.url}/api/blobs/${d}`, { method: "POST", body: bytes })).status, 201);
    return d;
  };
  const files = { "oracle.gguf": digest, "mmproj-a.gguf": await upload(await clipProjector("first", 4)), "mmproj-b.gguf": await upload(await clipProjector("second", 2)) };
  // The client's 0.6.4 types lack `files`; it sends the request as given.
  assert.deepEqual(await ollama.create({ model: "seer", files } as unknown as { model: string; from: string }), { status: "success" });
  const layers = (await env.store.readManifest("seer")).manifest.layers.filter((l) => l.mediaType.endsWith(".projector"));
  assert.deepEqual(layers.map((l) => l.digest), [files["mmproj-a.gguf"], files["mmproj-b.gguf"]]);

  const first = { "general.architecture": "clip", "general.name": "first", "clip.has_vision_encoder": true, "clip.projector_type": "mlp", "general.parameter_count": 8 * 4 + 4 };
  const shown = await ollama.show({ model: "seer" });
  // Without verbose Ollama decodes with maxArraySize 0: every non-empty array comes back without its values, `null`.
  // https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/fs/ggml/gguf.go#L465-L483
  assert.deepEqual(shown.projector_info as unknown, { ...first, "clip.vision.image_mean": null, "clip.vision.feature_layer": null, "clip.vision.empty": [] });
  const verbose = await ollama.show({ model: "seer", verbose: true } as { model: string }); // the 0.6.4 types lack `verbose` (Ollama's ShowRequest has it); the client sends it as given.
  assert.deepEqual(verbose.projector_info as unknown, { ...first, "clip.vision.image_mean": [0.5, 0.25, 0.125], "clip.vision.feature_layer": [1, 2, 3, 4, 5, 6], "clip.vision.empty": [] });
  // Deliberate difference: Ollama's projectorCapabilities adds "vision"; serve refuses `images` (the runtime loads no projector), so it is not listed.
  // https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/images.go#L393-L410
  assert.equal((shown.capabilities as string[]).includes("vision"), false, shown.capabilities.join());
  assert.ok(shown.capabilities.includes("completion"));
  // model_info is still the model's, without general.name.
  const info = shown.model_info as unknown as Record<string, unknown>;
  assert.equal(info["general.architecture"], "llama");
  assert.equal("general.name" in info, false);

  const raw = await post(`${server.url}/api/show`, { model: "made" });
  assert.equal(raw.status, 200);
  assert.equal("projector_info" in (raw.json as Record<string, unknown>), false, JSON.stringify(Object.keys(raw.json as object)));
  assert.ok("model_info" in (raw.json as Record<string, unknown>));
});

test("create with quantize: the model layer quantized by llama.cpp (Q8_0), as `modelsmith create -q`; an unknown type is a 400", async () => {
  assert.deepEqual(await ollama.create({ model: "made-q8", from: "made", quantize: "q8_0" }), { status: "success" });
  const shown = await ollama.show({ model: "made-q8" });
  assert.equal(shown.details.quantization_level, "Q8_0");
  const base = (await env.store.readManifest("made")).manifest.layers.find((l) => l.mediaType.endsWith(".model"));
  const quantized = (await env.store.readManifest("made-q8")).manifest.layers.find((l) => l.mediaType.endsWith(".model"));
  assert.notEqual(quantized?.digest, base?.digest);
  const bad = await ollamaFailure(ollama.create({ model: "made-q9", from: "made", quantize: "q9_Z" }));
  assert.equal(bad.status, 400);
  assert.match(bad.error, /^MS\d{4}: --quantize: /);
});

test("create failures: Ollama's 400s (no source, no model, a blob not uploaded, a bad parameter, a bad file name), an unknown base model", async () => {
  const missing = `sha256:${"0".repeat(64)}`;
  assert.deepEqual(await ollamaFailure(ollama.create({ model: "x" })), { status: 400, error: "neither 'from' or 'files' was specified" });
  const noName = await post(`${server.url}/api/create`, { from: "made" });
  assert.deepEqual([noName.status, noName.json], [400, { error: "model is required" }]);
  const notUploadedRequest = { model: "x", files: { "a.gguf": missing } };
  const notUploaded = await ollamaFailure(ollama.create(notUploadedRequest));
  assert.equal(notUploaded.status, 400);
  assert.match(notUploaded.error, /not found: upload it first with POST \/api\/blobs\//);
  const badParam = await ollamaFailure(ollama.create({ model: "x", from: "made", parameters: { num_ctx: "many" } }));
  assert.equal(badParam.status, 400);
  assert.match(badParam.error, /^MS\d{4}: .*num_ctx/);
  const badFileRequest = { model: "x", files: { "../a.gguf": digest } };
  const badFile = await ollamaFailure(ollama.create(badFileRequest));
  // Ollama's errFilePath for a name fs.ValidPath refuses: https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go#L48
  assert.deepEqual(badFile, { status: 400, error: "file path must be relative" });
  const unknown = await ollamaFailure(ollama.create({ model: "x", from: "127.0.0.1:1/library/nothing:v1" }));
  assert.ok(unknown.status >= 400, String(unknown.status));
  assert.match(unknown.error, /^MS\d{4}: /);
  await assert.rejects(env.store.readManifest("x"));
});
