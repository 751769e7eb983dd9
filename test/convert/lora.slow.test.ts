/**
 * PEFT LoRA adapters on ADAPTER lines (src/convert/peft-adapter.ts, lora.ts)
 * without llama.cpp's converter (lora-differential.slow.test.ts compares with
 * convert_lora_to_gguf.py): what the conversion writes, the q/k permutation
 * of lora_B, the errors (exit 2 at the ADAPTER line), and a project built and
 * run through the CLI.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { convertCheckpoint, convertPeftAdapter, encodeSafetensors, loraBaseOf, openPeftAdapter, SafetensorsFile } from "../../src/convert/index.js";
import { permuteRows } from "../../src/convert/tensor-data.js";
import { InputError } from "../../src/diagnostics/index.js";
import { plainValue, readGgufFile, type GgufFile } from "../../src/gguf/index.js";
import { digestOf } from "../../src/lock/canonical-json.js";
import { openModel } from "../../src/runtime/index.js";
import { writePeftAdapter, type HfCheckpointSpec, type PeftAdapterSpec } from "../../src/testmodels/index.js";
import { hasStackTrace, runCli } from "../helpers/cli.js";
import { adapterProblems } from "../../src/check/adapter-fit.js";
import { checkpointSpec, tensorBytes, writeTestCheckpoint } from "./helpers.js";

const root = mkdtempSync(path.join(tmpdir(), "modelsmith-lora-"));
const ckpt = path.join(root, "ckpt");
const baseGguf = path.join(root, "base.gguf");
let base: GgufFile;
let spec: HfCheckpointSpec;
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await writeTestCheckpoint(ckpt, "llama", "bpe");
  spec = checkpointSpec(ckpt);
  await convertCheckpoint({ dir: ckpt, outPath: baseGguf, outType: "F32" });
  base = await readGgufFile(baseGguf);
});

async function adapter(name: string, extra: Partial<PeftAdapterSpec> = {}): Promise<string> {
  const dir = path.join(root, name);
  rmSync(dir, { recursive: true, force: true });
  await writePeftAdapter(dir, { base: spec, seed: 9, ...extra });
  return dir;
}

async function conversionError(dir: string, b: GgufFile = base): Promise<{ code: string; message: string; hint?: string }> {
  try {
    await convertPeftAdapter({ dir, shown: "./x", at: {}, base: loraBaseOf(b, "./x", {}), outPath: path.join(root, "err.gguf") });
  } catch (err) {
    assert.ok(err instanceof InputError, `not an InputError: ${String(err)}`);
    const d = err.diagnostics[0]!;
    return { code: d.code, message: d.message, ...(d.hint ? { hint: d.hint } : {}) };
  }
  assert.fail("no error");
}

describe("convertPeftAdapter", () => {
  // convert_lora_to_gguf.py: LoraModel.set_type / set_gguf_parameters, prepare_tensors with the default --outtype f32:
  // https://github.com/ggml-org/llama.cpp/blob/master/convert_lora_to_gguf.py
  test("writes the adapter metadata and F32 .lora_a/.lora_b pairs named after the base tensors; the same bytes every time", async () => {
    const dir = await adapter("plain", { targets: ["q_proj", "v_proj", "down_proj"], alpha: 12, dtype: "F16" });
    const out = path.join(root, "plain.gguf");
    const r = await convertPeftAdapter({ dir, shown: "./plain", at: {}, base: loraBaseOf(base, "./plain", {}), outPath: out });
    const g = await readGgufFile(out);
    assert.deepEqual(
      [...g.metadata].map(([k, e]) => [k, plainValue(e.value)]),
      [["general.architecture", "llama"], ["general.type", "adapter"], ["adapter.type", "lora"], ["general.name", "adapter"], ["adapter.lora.alpha", 12], ["general.quantization_version", 2]],
    );
    assert.equal(g.metadata.get("adapter.lora.alpha")!.type, 6, "alpha is a float32");
    // Sorted safetensors names: mlp.down_proj before self_attn.*; lora_a is ggml [n_in, r], lora_b [r, n_out].
    assert.deepEqual(g.tensors.slice(0, 6).map((t) => [t.name, t.dims, t.typeName]), [
      ["blk.0.ffn_down.weight.lora_a", [128, 4], "F32"],
      ["blk.0.ffn_down.weight.lora_b", [4, 64], "F32"],
      ["blk.0.attn_q.weight.lora_a", [64, 4], "F32"],
      ["blk.0.attn_q.weight.lora_b", [4, 64], "F32"],
      ["blk.0.attn_v.weight.lora_a", [64, 4], "F32"],
      ["blk.0.attn_v.weight.lora_b", [4, 32], "F32"],
    ]);
    assert.equal(r.tensorCount, 12);
    const again = await convertPeftAdapter({ dir, shown: "./plain", at: {}, base: loraBaseOf(base, "./plain", {}), outPath: path.join(root, "plain2.gguf") });
    assert.equal(again.digest, r.digest);
    assert.ok(readFileSync(out).equals(readFileSync(path.join(root, "plain2.gguf"))));
  });

  // LoraTorchTensor.permute (dims[-1] == -1): LlamaModel.permute's swapaxes reorders B's rows and leaves A:
  // https://github.com/ggml-org/llama.cpp/blob/master/convert_lora_to_gguf.py (LoraTorchTensor.permute, reshape)
  test("Llama's q/k rotate-half permutation moves lora_B's rows (n_head for q, n_head_kv for k); lora_A and v stay as stored", async () => {
    const dir = await adapter("perm", { targets: ["q_proj", "k_proj", "v_proj"] });
    const out = path.join(root, "perm.gguf");
    await convertPeftAdapter({ dir, shown: "./perm", at: {}, base: loraBaseOf(base, "./perm", {}), outPath: out });
    const g = await readGgufFile(out);
    const st = await SafetensorsFile.open(path.join(dir, "adapter_model.safetensors"));
    try {
      const src = async (n: string) => st.read(st.entries.get(`base_model.model.model.layers.0.self_attn.${n}.weight`)!);
      const r = 4 * 4; // rank 4, F32 bytes per row of B
      assert.ok((await tensorBytes(out, g, "blk.0.attn_q.weight.lora_a")).equals(await src("q_proj.lora_A")));
      assert.ok((await tensorBytes(out, g, "blk.0.attn_k.weight.lora_a")).equals(await src("k_proj.lora_A")));
      assert.ok(Buffer.from(permuteRows(await src("q_proj.lora_B"), spec.heads * (spec.hidden / spec.heads), r, spec.heads)).equals(await tensorBytes(out, g, "blk.0.attn_q.weight.lora_b")));
      assert.ok(Buffer.from(permuteRows(await src("k_proj.lora_B"), spec.kvHeads * (spec.hidden / spec.heads), r, spec.kvHeads)).equals(await tensorBytes(out, g, "blk.0.attn_k.weight.lora_b")));
      assert.ok(!(await src("q_proj.lora_B")).equals(await tensorBytes(out, g, "blk.0.attn_q.weight.lora_b")), "the permutation moved something");
      assert.ok((await tensorBytes(out, g, "blk.0.attn_v.weight.lora_b")).equals(await src("v_proj.lora_B")));
    } finally {
      await st.close();
    }
  });

  // convert_lora_to_gguf.py modify_tensors: "we only need to transpose token_embd.lora_a, see llm_build_inp_embd()".
  test("an embedding adapter's A is transposed: token_embd.weight.lora_a is ggml [r, vocab]", async () => {
    const dir = await adapter("embd", { targets: ["o_proj"], embeddings: true });
    const out = path.join(root, "embd.gguf");
    await convertPeftAdapter({ dir, shown: "./embd", at: {}, base: loraBaseOf(base, "./embd", {}), outPath: out });
    const g = await readGgufFile(out);
    const a = g.tensors.find((t) => t.name === "token_embd.weight.lora_a")!;
    assert.deepEqual(a.dims, [4, spec.vocabSize]);
    assert.deepEqual(g.tensors.find((t) => t.name === "token_embd.weight.lora_b")!.dims, [4, spec.hidden]);
    const st = await SafetensorsFile.open(path.join(dir, "adapter_model.safetensors"));
    const src = new Float32Array(new Uint8Array(await st.read(st.entries.get("base_model.model.model.embed_tokens.lora_embedding_A")!)).buffer);
    await st.close();
    const got = new Float32Array(new Uint8Array(await tensorBytes(out, g, a.name)).buffer);
    // PyTorch A[i][j] (i < r, j < vocab) is written at row j, column i.
    for (const [i, j] of [[0, 0], [1, 5], [3, spec.vocabSize - 1]] as const) assert.equal(got[j * 4 + i], src[i * spec.vocabSize + j]);
  });

  test("problems are InputErrors with their codes: a misfit shape names the tensor and both shapes", async () => {
    const wide = await adapter("wide", { base: { ...spec, hidden: 96 }, targets: ["v_proj"] });
    const misfit = await conversionError(wide);
    assert.equal(misfit.code, "MS3324");
    assert.match(misfit.message, /model\.layers\.0\.self_attn\.v_proj's lora_A \[4, 96\] and lora_B \[48, 4\] make a \[48, 96\] update, but the base model's blk\.0\.attn_v\.weight is \[32, 64\]/);

    const noBias = await adapter("bias", { config: { bias: "all" } });
    assert.equal((await conversionError(noBias)).code, "MS3300");
    assert.equal((await conversionError(await adapter("dora", { config: { use_dora: true } }))).code, "MS3300");
    assert.equal((await conversionError(await adapter("rslora", { config: { use_rslora: true } }))).code, "MS3300");
    assert.equal((await conversionError(await adapter("save", { config: { modules_to_save: ["lm_head"] } }))).code, "MS3300");
    assert.equal((await conversionError(await adapter("ia3", { config: { peft_type: "IA3" } }))).code, "MS3300");
    assert.equal((await conversionError(await adapter("noalpha", { config: { lora_alpha: "16" } }))).code, "MS3321");

    const badJson = await adapter("badjson");
    writeFileSync(path.join(badJson, "adapter_config.json"), '{"peft_type": "LORA", "lora_alpha": ');
    assert.equal((await conversionError(badJson)).code, "MS3321");
    const cut = await adapter("cut");
    const weights = path.join(cut, "adapter_model.safetensors");
    writeFileSync(weights, readFileSync(weights).subarray(0, 200));
    const truncated = await conversionError(cut);
    assert.equal(truncated.code, "MS3203");
    assert.match(truncated.message, /^ADAPTER \.\/x: adapter_model\.safetensors: /);

    const bin = await adapter("bin");
    renameSync(path.join(bin, "adapter_model.safetensors"), path.join(bin, "adapter_model.bin"));
    const pickled = await conversionError(bin);
    assert.equal(pickled.code, "MS3320");
    assert.match(pickled.message, /only adapter_model\.bin \(a pickle\)/);
    assert.match(pickled.hint!, /safe_serialization=True/);

    // A base that ties its embeddings has no output.weight for an lm_head LoRA (the reference raises "lm_head is present in adapter, but is ignored").
    const tied = { ...base, tensors: base.tensors.filter((t) => t.name !== "output.weight") };
    const lmHead = await adapter("lmhead", { targets: ["lm_head"] });
    const noOutput = await conversionError(lmHead, tied);
    assert.equal(noOutput.code, "MS3323");
    assert.match(noOutput.message, /target module lm_head \(output\.weight\) is not in the base model/);
    // …and llama.cpp would apply an embedding LoRA to the tied output as well, and abort (GGML_ASSERT(ggml_can_mul_mat) in build_lora_mm).
    const tiedEmbd = await conversionError(await adapter("tied-embd", { targets: ["o_proj"], embeddings: true }), tied);
    assert.equal(tiedEmbd.code, "MS3323");
    assert.match(tiedEmbd.message, /embedding LoRA \(model\.embed_tokens\) on a base whose output is tied/);
    // The same rule for an adapter GGUF on an ADAPTER line (check/adapter-fit.ts, MS5286).
    const embdGguf = path.join(root, "embd-fit.gguf");
    await convertPeftAdapter({ dir: path.join(root, "tied-embd"), shown: "./x", at: {}, base: loraBaseOf(base, "./x", {}), outPath: embdGguf });
    assert.deepEqual(adapterProblems(await readGgufFile(embdGguf), base), []);
    const fit = adapterProblems(await readGgufFile(embdGguf), tied);
    assert.equal(fit[0]?.code, "MS5286");
    assert.match(fit[0]!.message, /`token_embd\.weight` has a LoRA, but the base model's output is tied to it/);
    assert.equal((await conversionError(await adapter("empty", { targets: [] }))).code, "MS3322", "no pair at all");

    // A module llama has no tensor for, and a lone half.
    const odd = path.join(root, "odd");
    mkdirSync(odd, { recursive: true });
    writeFileSync(path.join(odd, "adapter_config.json"), JSON.stringify({ peft_type: "LORA", r: 4, lora_alpha: 8 }));
    const f32 = (n: number) => new Uint8Array(new Float32Array(n).fill(0.5).buffer);
    writeFileSync(path.join(odd, "adapter_model.safetensors"), encodeSafetensors([
      { name: "base_model.model.model.layers.0.mlp.fc1.lora_A.weight", dtype: "F32", shape: [4, 64], data: f32(256) },
      { name: "base_model.model.model.layers.0.mlp.fc1.lora_B.weight", dtype: "F32", shape: [128, 4], data: f32(512) },
    ]));
    const unmapped = await conversionError(odd);
    assert.equal(unmapped.code, "MS3323");
    assert.match(unmapped.message, /target module model\.layers\.0\.mlp\.fc1 is not a tensor modelsmith maps for llama/);
    writeFileSync(path.join(odd, "adapter_model.safetensors"), encodeSafetensors([{ name: "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", dtype: "F32", shape: [4, 64], data: f32(256) }]));
    const lone = await conversionError(odd);
    assert.equal(lone.code, "MS3322");
    assert.match(lone.message, /model\.layers\.0\.self_attn\.q_proj\.weight has lora_A but no lora_B/);
  });

  test("the base's architecture must be one modelsmith converts adapters for (MS3325)", async () => {
    const other = { ...base, metadata: new Map([...base.metadata].map(([k, v]) => [k, k === "general.architecture" ? { ...v, value: "gemma3" } : v])) } as GgufFile;
    assert.throws(() => loraBaseOf(other, "./x", {}), (err: unknown) => err instanceof InputError && err.diagnostics[0]!.code === "MS3325" && /`gemma3`/.test(err.diagnostics[0]!.message));
  });

  test("openPeftAdapter pairs A and B by module and refuses a lone half (MS3322)", async () => {
    const dir = await adapter("pairs", { targets: ["q_proj"] });
    const a = await openPeftAdapter(dir, "./pairs", {});
    try {
      assert.deepEqual(a.pairs.map((p) => [p.base, p.a.shape, p.b.shape]), [
        ["model.layers.0.self_attn.q_proj.weight", [4, 64], [64, 4]],
        ["model.layers.1.self_attn.q_proj.weight", [4, 64], [64, 4]],
      ]);
    } finally {
      await a.close();
    }
  });
});

describe("ADAPTER ./peft-dir through the CLI", () => {
  test("build converts it against the FROM checkpoint, pins the folder's files in models.lock, rebuilds nothing, and run applies it", async () => {
    const project = path.join(root, "project");
    mkdirSync(project, { recursive: true });
    await writeTestCheckpoint(path.join(project, "ckpt"), "llama", "bpe");
    await writePeftAdapter(path.join(project, "lora"), { base: spec, seed: 4, scale: 4, targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] });
    writeFileSync(path.join(project, "Plain.Modelfile"), "FROM ./ckpt\n");
    writeFileSync(path.join(project, "Tuned.Modelfile"), "FROM ./ckpt\nADAPTER ./lora\n");
    writeFileSync(path.join(project, "modelsmith.yaml"), "models:\n  plain:\n    modelfile: Plain.Modelfile\n    convert: F32\n  tuned:\n    modelfile: Tuned.Modelfile\n    convert: F32\n");
    const home = path.join(root, "home");
    const r = await runCli(["build", "--json"], { cwd: project, env: { MODELSMITH_HOME: home } });
    assert.equal(r.exitCode, 0, r.stderr);
    const built = JSON.parse(r.stdout) as { models: { model: string; manifest: string }[]; stepsRun: number };

    // models.lock: the folder's pin is the digest of its two files' names, digests and sizes, as a checkpoint's.
    const files = ["adapter_config.json", "adapter_model.safetensors"].map((name) => {
      const b = readFileSync(path.join(project, "lora", name));
      return { name, digest: `sha256:${createHash("sha256").update(b).digest("hex")}`, size: b.length };
    });
    const lock = readFileSync(path.join(project, "models.lock"), "utf8");
    assert.ok(lock.includes(`  ./lora:\n    digest: ${digestOf({ lora: files })}\n    locator: ./lora\n    size: ${files[0]!.size + files[1]!.size}\n`), lock);

    // The manifest's adapter layer is a GGUF LoRA for the converted base.
    const manifest = JSON.parse(readFileSync(path.join(home, "manifests", "registry.ollama.ai", "library", "tuned", "latest"), "utf8")) as { layers: { mediaType: string; digest: string }[] };
    const layer = manifest.layers.find((l) => l.mediaType === "application/vnd.ollama.image.adapter")!;
    const g = await readGgufFile(path.join(home, "blobs", layer.digest.replace(":", "-")));
    assert.equal(plainValue(g.metadata.get("general.type")!.value), "adapter");
    assert.equal(g.tensors.length, 2 * 7 * spec.layers);

    const again = await runCli(["build", "--json", "--frozen"], { cwd: project, env: { MODELSMITH_HOME: home } });
    assert.equal(again.exitCode, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { stepsRun: number }).stepsRun, 0);
    // Another store converts it again to the same bytes: the same manifest.
    const other = await runCli(["build", "--json", "tuned"], { cwd: project, env: { MODELSMITH_HOME: path.join(root, "home2") } });
    assert.equal(other.exitCode, 0, other.stderr);
    assert.equal((JSON.parse(other.stdout) as { models: { model: string; manifest: string }[] }).models.find((m) => m.model === "tuned")!.manifest, built.models.find((m) => m.model === "tuned")!.manifest);

    const greedy = async (name: string) => {
      const model = await openModel(home, name, { threads: 1, contextSize: 256, gpu: false });
      try {
        return (await model.generate({ raw: true, prompt: "hello world the", options: { num_predict: 8, temperature: 0 } })).text;
      } finally {
        await model.close();
      }
    };
    assert.notEqual(await greedy("tuned"), await greedy("plain"));
  });

  test("a PEFT folder that also holds the base's config.json is an adapter on an ADAPTER line (adapter_config.json wins): built as the same folder without it", async () => {
    const project = path.join(root, "with-config");
    mkdirSync(project, { recursive: true });
    copyFileSync(baseGguf, path.join(project, "base.gguf"));
    await writePeftAdapter(path.join(project, "lora"), { base: spec, seed: 6, targets: ["q_proj", "v_proj"] });
    // PEFT's save_pretrained next to a copy of the base's config.json, as many published adapters are: config.json + *.safetensors
    // also make it look like a checkpoint folder (isCheckpointDir).
    copyFileSync(path.join(ckpt, "config.json"), path.join(project, "lora", "config.json"));
    writeFileSync(path.join(project, "Modelfile"), "FROM ./base.gguf\nADAPTER ./lora\n");
    writeFileSync(path.join(project, "modelsmith.yaml"), "models:\n  tuned:\n    modelfile: Modelfile\n");
    const home = path.join(root, "with-config-home");
    const r = await runCli(["build", "--json"], { cwd: project, env: { MODELSMITH_HOME: home } });
    assert.equal(r.exitCode, 0, r.stderr);
    const manifest = JSON.parse(readFileSync(path.join(home, "manifests", "registry.ollama.ai", "library", "tuned", "latest"), "utf8")) as { layers: { mediaType: string; digest: string }[] };
    assert.deepEqual(manifest.layers.filter((l) => /model|adapter/.test(l.mediaType)).map((l) => l.mediaType), ["application/vnd.ollama.image.model", "application/vnd.ollama.image.adapter"]);
    const layer = manifest.layers.find((l) => l.mediaType === "application/vnd.ollama.image.adapter")!;
    // The layer is the adapter converted from the folder's two PEFT files, the config.json unread: the same bytes as without it.
    const plain = path.join(root, "with-config-plain");
    await writePeftAdapter(plain, { base: spec, seed: 6, targets: ["q_proj", "v_proj"] });
    const out = path.join(root, "with-config.gguf");
    await convertPeftAdapter({ dir: plain, shown: "./lora", at: {}, base: loraBaseOf(base, "./lora", {}), outPath: out });
    assert.equal(layer.digest, `sha256:${createHash("sha256").update(readFileSync(out)).digest("hex")}`);
    // models.lock pins it as a PEFT folder: its two files, not config.json.
    const files = ["adapter_config.json", "adapter_model.safetensors"].map((name) => {
      const b = readFileSync(path.join(project, "lora", name));
      return { name, digest: `sha256:${createHash("sha256").update(b).digest("hex")}`, size: b.length };
    });
    assert.match(readFileSync(path.join(project, "models.lock"), "utf8"), new RegExp(`  \\./lora:\\n    digest: ${digestOf({ lora: files })}\\n`));
    // On FROM the same folder is still a checkpoint folder (its config.json and safetensors), which the converter refuses by name.
    writeFileSync(path.join(project, "Modelfile"), "FROM ./lora\n");
    const onFrom = await runCli(["build"], { cwd: project, env: { MODELSMITH_HOME: home } });
    assert.equal(onFrom.exitCode, 2, onFrom.stderr);
    assert.equal(hasStackTrace(onFrom.stderr), false, onFrom.stderr);
  });

  test("`convert:` applies to the adapter too (convert_lora_to_gguf.py's --outtype); without it the adapter is F32, the reference's default", async () => {
    const project = path.join(root, "outtype");
    mkdirSync(project, { recursive: true });
    copyFileSync(baseGguf, path.join(project, "base.gguf"));
    await writePeftAdapter(path.join(project, "lora"), { base: spec, seed: 8, dtype: "BF16", targets: ["q_proj", "k_proj", "down_proj"] });
    writeFileSync(path.join(project, "Modelfile"), "FROM ./base.gguf\nADAPTER ./lora\n");
    const home = path.join(root, "outtype-home");
    const adapterLayer = async (yaml: string) => {
      writeFileSync(path.join(project, "modelsmith.yaml"), yaml);
      const r = await runCli(["build", "--json"], { cwd: project, env: { MODELSMITH_HOME: home } });
      assert.equal(r.exitCode, 0, r.stderr);
      const manifest = JSON.parse(readFileSync(path.join(home, "manifests", "registry.ollama.ai", "library", "tuned", "latest"), "utf8")) as { layers: { mediaType: string; digest: string }[] };
      const digest = manifest.layers.find((l) => l.mediaType === "application/vnd.ollama.image.adapter")!.digest;
      return { digest, gguf: await readGgufFile(path.join(home, "blobs", digest.replace(":", "-"))) };
    };
    const direct = async (outType: "F32" | "F16" | "BF16") => {
      const out = path.join(root, `outtype-${outType}.gguf`);
      await convertPeftAdapter({ dir: path.join(project, "lora"), shown: "./lora", at: {}, base: loraBaseOf(base, "./lora", {}), outPath: out, outType });
      return `sha256:${createHash("sha256").update(readFileSync(out)).digest("hex")}`;
    };
    const plain = await adapterLayer("models:\n  tuned:\n    modelfile: Modelfile\n");
    assert.deepEqual([...new Set(plain.gguf.tensors.map((t) => t.typeName))], ["F32"]);
    assert.equal(plain.digest, await direct("F32"));
    const f16 = await adapterLayer("models:\n  tuned:\n    modelfile: Modelfile\n    convert: F16\n");
    assert.deepEqual([...new Set(f16.gguf.tensors.map((t) => t.typeName))], ["F16"]);
    assert.equal(f16.digest, await direct("F16"));
    assert.equal(f16.gguf.tensors.length, plain.gguf.tensors.length);
    const bf16 = await adapterLayer("models:\n  tuned:\n    modelfile: Modelfile\n    convert: BF16\n");
    assert.deepEqual([...new Set(bf16.gguf.tensors.map((t) => t.typeName))], ["BF16"]);
    assert.equal(bf16.digest, await direct("BF16"));
  });

  test("a bad PEFT folder is exit 2 at its ADAPTER line with the code and a hint, without a stack trace; on FROM it is MS3326", async () => {
    const project = path.join(root, "bad");
    mkdirSync(project, { recursive: true });
    await writePeftAdapter(path.join(project, "dora"), { base: spec, seed: 1, config: { use_dora: true } });
    await writePeftAdapter(path.join(project, "wide"), { base: { ...spec, hidden: 96 }, seed: 1, targets: ["v_proj"] });
    writeFileSync(path.join(project, "modelsmith.yaml"), "models:\n  m:\n    modelfile: Modelfile\n");
    const home = path.join(root, "bad-home");
    const build = async (modelfile: string) => {
      writeFileSync(path.join(project, "Modelfile"), modelfile);
      const r = await runCli(["build"], { cwd: project, env: { MODELSMITH_HOME: home } });
      assert.equal(hasStackTrace(r.stderr), false, r.stderr);
      return r;
    };
    // `check` has no base, but reads the folder itself.
    writeFileSync(path.join(project, "Modelfile"), "FROM testmodel://oracle\nADAPTER ./dora\n");
    const check = await runCli(["check"], { cwd: project, env: { MODELSMITH_HOME: home } });
    assert.equal(check.exitCode, 2, check.stdout + check.stderr);
    assert.match(check.stdout + check.stderr, /Modelfile:2:9: error\[MS3300\]: ADAPTER \.\/dora: "use_dora": true/);
    writeFileSync(path.join(project, "Modelfile"), "FROM testmodel://oracle\nADAPTER ./wide\n");
    const fine = await runCli(["check"], { cwd: project, env: { MODELSMITH_HOME: home } });
    assert.equal(fine.exitCode, 0, fine.stdout + fine.stderr);
    writeFileSync(path.join(project, "Modelfile"), "FROM ./wide\n");
    const onFrom = await runCli(["check"], { cwd: project, env: { MODELSMITH_HOME: home } });
    assert.equal(onFrom.exitCode, 2, onFrom.stdout + onFrom.stderr);
    assert.match(onFrom.stdout + onFrom.stderr, /MS3326/);

    const dora = await build("FROM testmodel://oracle\nADAPTER ./dora\n");
    assert.equal(dora.exitCode, 2, dora.stderr);
    assert.match(dora.stderr, /Modelfile:2:9: error\[MS3300\]: ADAPTER \.\/dora: "use_dora": true/);

    // The base is a GGUF file here: its header's shapes decide.
    copyFileSync(baseGguf, path.join(project, "ckpt.gguf"));
    const misfit = await build("FROM ./ckpt.gguf\nADAPTER ./wide\n");
    assert.equal(misfit.exitCode, 2, misfit.stderr);
    assert.match(misfit.stderr, /Modelfile:2:9: error\[MS3324\]: ADAPTER \.\/wide: model\.layers\.0\.self_attn\.v_proj's lora_A \[4, 96\] and lora_B \[48, 4\] make a \[48, 96\] update, but the base model's blk\.0\.attn_v\.weight is \[32, 64\]/);

    const from = await build("FROM ./dora\n");
    assert.equal(from.exitCode, 2, from.stderr);
    assert.match(from.stderr, /Modelfile:1:6: error\[MS3326\]: \.\/dora is a PEFT LoRA adapter folder, not a model/);
    assert.match(from.stderr, /put it on an ADAPTER line/);
  });
});
