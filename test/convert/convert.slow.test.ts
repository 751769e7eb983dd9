/**
 * The converter without llama.cpp's (see differential.slow.test.ts for that):
 * what it writes for a generated checkpoint, that it is deterministic, its
 * errors (exit 2, MS32xx naming the file and the tensor or key), and a project
 * built FROM a checkpoint folder through the CLI.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { convertCheckpoint, encodeSafetensors, identifyPreTokenizer, isCheckpointDir, SafetensorsFile, sizeLabel } from "../../src/convert/index.js";
import { permuteRange, permuteRows } from "../../src/convert/tensor-data.js";
import { InputError } from "../../src/diagnostics/index.js";
import { plainValue, readGgufFile } from "../../src/gguf/index.js";
import { LLAMA3_SPLIT_REGEX } from "../../src/testmodels/index.js";
import { hasStackTrace, runCli } from "../helpers/cli.js";
import { LLAMA3_TEMPLATE, META_LLAMA3_TEMPLATE, writeTestCheckpoint } from "./helpers.js";
import { openModel } from "../../src/runtime/index.js";
import { TEST_CHAT_TEMPLATE } from "../../src/testmodels/index.js";

const root = mkdtempSync(path.join(tmpdir(), "modelsmith-convert-"));
const base = path.join(root, "llama");
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await writeTestCheckpoint(base, "llama", "bpe");
});

/** A copy of the generated checkpoint, changed by `edit`. */
async function variant(name: string, edit: (dir: string) => Promise<void> | void): Promise<string> {
  const dir = path.join(root, name);
  rmSync(dir, { recursive: true, force: true });
  await writeTestCheckpoint(dir, "llama", "bpe");
  await edit(dir);
  return dir;
}

async function convertError(dir: string): Promise<{ code: string; message: string; hint?: string }> {
  try {
    await convertCheckpoint({ dir, outPath: path.join(root, "err.gguf") });
  } catch (err) {
    assert.ok(err instanceof InputError, `not an InputError: ${String(err)}`);
    const d = err.diagnostics[0]!;
    return { code: d.code, message: d.message, ...(d.hint ? { hint: d.hint } : {}) };
  }
  assert.fail("no error");
}

describe("convertCheckpoint", () => {
  test("writes llama metadata, tokenizer, chat template and rope_freqs; the same bytes every time", async () => {
    assert.equal(await isCheckpointDir(base), true);
    assert.equal(await isCheckpointDir(path.join(base, "config.json")), false);
    const out = path.join(root, "a.gguf");
    const r = await convertCheckpoint({ dir: base, outPath: out });
    assert.equal(r.arch, "llama");
    assert.equal(r.hfArch, "LlamaForCausalLM");
    assert.equal(r.tokenizer, "bpe");
    assert.equal(r.chatTemplate, LLAMA3_TEMPLATE);
    assert.deepEqual(r.inputs, ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json"]);
    const g = await readGgufFile(out);
    const meta = (k: string) => plainValue(g.metadata.get(k)!.value);
    assert.equal(meta("general.architecture"), "llama");
    assert.equal(meta("general.file_type"), 1);
    assert.equal(meta("llama.block_count"), 2);
    assert.equal(meta("llama.attention.head_count_kv"), 2);
    assert.equal(meta("llama.rope.dimension_count"), 16);
    assert.equal(meta("tokenizer.ggml.model"), "gpt2");
    assert.equal(meta("tokenizer.ggml.pre"), "llama-bpe");
    assert.equal(meta("tokenizer.chat_template"), LLAMA3_TEMPLATE);
    const tokens = meta("tokenizer.ggml.tokens") as string[];
    assert.equal(tokens[meta("tokenizer.ggml.eos_token_id") as number], "<|eot_id|>");
    assert.equal(tokens[meta("tokenizer.ggml.bos_token_id") as number], "<|begin_of_text|>");
    assert.equal(meta("tokenizer.ggml.add_bos_token"), true);
    // Llama 3.1's rope scaling is a tensor, first, as llama.cpp writes it.
    assert.deepEqual([g.tensors[0]!.name, g.tensors[0]!.dims, g.tensors[0]!.typeName], ["rope_freqs.weight", [8], "F32"]);
    assert.equal(g.tensors.find((t) => t.name === "blk.0.attn_norm.weight")!.typeName, "F32");
    assert.deepEqual(g.tensors.find((t) => t.name === "blk.0.attn_k.weight")!.dims, [64, 32]);
    const again = await convertCheckpoint({ dir: base, outPath: path.join(root, "b.gguf") });
    assert.equal(again.digest, r.digest);
    assert.ok(readFileSync(out).equals(readFileSync(path.join(root, "b.gguf"))));
    const bf16 = await convertCheckpoint({ dir: base, outPath: path.join(root, "c.gguf"), outType: "BF16" });
    assert.notEqual(bf16.digest, r.digest);
    assert.equal(plainValue((await readGgufFile(path.join(root, "c.gguf"))).metadata.get("general.file_type")!.value), 32);
  });

  test("an unsupported architecture names it and lists the supported ones", async () => {
    const dir = await variant("falcon", async (d) => {
      const c = JSON.parse(await readFile(path.join(d, "config.json"), "utf8"));
      await writeFile(path.join(d, "config.json"), JSON.stringify({ ...c, architectures: ["FalconForCausalLM"] }));
    });
    const e = await convertError(dir);
    assert.equal(e.code, "MS3202");
    assert.match(e.message, /FalconForCausalLM is not supported; modelsmith converts LlamaForCausalLM, .*MistralForCausalLM, Qwen2ForCausalLM, Gemma2ForCausalLM/);
  });

  test("a truncated shard names the file and the tensor", async () => {
    const dir = await variant("truncated", (d) => {
      const f = path.join(d, "model-00002-of-00002.safetensors");
      truncateSync(f, statSync(f).size - 100);
    });
    const e = await convertError(dir);
    assert.equal(e.code, "MS3203");
    assert.match(e.message, /^model-00002-of-00002\.safetensors: tensor lm_head\.weight ends at byte \d+, past the end of the file \(\d+ bytes\): the file is truncated$/);
  });

  test("a shape that disagrees with config.json names the file, the tensor and both shapes", async () => {
    const dir = await variant("shape", async (d) => {
      const c = JSON.parse(await readFile(path.join(d, "config.json"), "utf8"));
      await writeFile(path.join(d, "config.json"), JSON.stringify({ ...c, intermediate_size: 96 }));
    });
    const e = await convertError(dir);
    assert.equal(e.code, "MS3205");
    assert.equal(e.message, "model-00001-of-00002.safetensors: tensor model.layers.0.mlp.down_proj.weight has shape [64, 128], config.json implies [64, 96]");
  });

  test("a tensor of an unsupported dtype, a missing tokenizer, a missing config key, an unknown pre-tokenizer", async () => {
    const int = await variant("dtype", (d) => {
      writeFileSync(path.join(d, "model.safetensors.index.json"), JSON.stringify({ weight_map: { "model.norm.weight": "model-00001-of-00001.safetensors" } }));
      for (const f of ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]) rmSync(path.join(d, f));
      writeFileSync(path.join(d, "model-00001-of-00001.safetensors"), encodeSafetensors([{ name: "model.norm.weight", dtype: "I32", shape: [64], data: new Uint8Array(256) }]));
    });
    const e1 = await convertError(int);
    assert.deepEqual([e1.code, e1.message], ["MS3204", "model-00001-of-00001.safetensors: tensor model.norm.weight has dtype I32; modelsmith converts F32, F16, BF16 and F64 tensors"]);

    const noTok = await variant("notok", (d) => rmSync(path.join(d, "tokenizer.json")));
    const e2 = await convertError(noTok);
    assert.equal(e2.code, "MS3207");
    assert.match(e2.message, /no tokenizer\.model and no tokenizer\.json/);

    const noKey = await variant("nokey", async (d) => {
      const c = JSON.parse(await readFile(path.join(d, "config.json"), "utf8"));
      delete c.num_hidden_layers;
      await writeFile(path.join(d, "config.json"), JSON.stringify(c));
    });
    assert.deepEqual(await convertError(noKey).then((e) => [e.code, e.message]), ["MS3201", 'config.json: no number "num_hidden_layers"']);

    const pre = await variant("pre", async (d) => {
      const t = JSON.parse(await readFile(path.join(d, "tokenizer.json"), "utf8"));
      t.pre_tokenizer.pretokenizers[0].pattern.Regex = "\\s+";
      await writeFile(path.join(d, "tokenizer.json"), JSON.stringify(t));
    });
    const e4 = await convertError(pre);
    assert.equal(e4.code, "MS3209");
    assert.equal(e4.message, 'tokenizer.json: its Split regex "\\\\s+" is none llama.cpp implements');
  });

  test("an output of 64 MiB and more is hashed and written by two worker threads: the digest is the file's; aborted mid-file, no file is left and no thread (the test process ends)", async () => {
    const dir = path.join(root, "big");
    // About 90 MB of F16 weights: past HASH_WORKER_FROM, so both workers run.
    await writeTestCheckpoint(dir, "llama", "bpe", { hidden: 1024, ffn: 4096, layers: 3, heads: 8, kvHeads: 4 });
    const out = path.join(root, "big-out");
    mkdirSync(out);
    const file = path.join(out, "big.gguf");
    const threadsBefore = readdirSync("/proc/self/task").length;
    let threadsDuring = 0;
    const r = await convertCheckpoint({ dir, outPath: file, onProgress: () => void (threadsDuring = Math.max(threadsDuring, readdirSync("/proc/self/task").length)) });
    assert.ok(r.size >= 64 << 20, String(r.size));
    assert.ok(threadsDuring >= threadsBefore + 2, `threads ${threadsBefore} before, ${threadsDuring} during`);
    assert.equal(r.digest, `sha256:${createHash("sha256").update(readFileSync(file)).digest("hex")}`);
    rmSync(file);
    const abort = new AbortController();
    const reason = new Error("the client hung up");
    let seen = 0;
    const aborted = convertCheckpoint({ dir, outPath: file, signal: abort.signal, onProgress: (done, total) => {
      seen = done;
      if (done < total) abort.abort(reason);
    } });
    await assert.rejects(aborted, (e) => e === reason);
    assert.ok(seen > 0 && seen < r.size, String(seen));
    assert.deepEqual(readdirSync(out), []);
  });
});

describe("parts", () => {
  test("pre-tokenizers are named from their definition", () => {
    const split = (regex: string) => ({ type: "Sequence", pretokenizers: [{ type: "Split", pattern: { Regex: regex }, behavior: "Isolated", invert: false }, { type: "ByteLevel", add_prefix_space: false, use_regex: false }] });
    assert.deepEqual(identifyPreTokenizer(split(LLAMA3_SPLIT_REGEX)), { name: "llama-bpe" });
    assert.deepEqual(identifyPreTokenizer(split(LLAMA3_SPLIT_REGEX.replace("\\p{N}{1,3}", "\\p{N}"))), { name: "qwen2" });
    assert.deepEqual(identifyPreTokenizer({ type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true }), { name: "gpt-2" });
    assert.ok("error" in identifyPreTokenizer({ type: "Whitespace" }));
    assert.ok("error" in identifyPreTokenizer({ ...split(LLAMA3_SPLIT_REGEX), pretokenizers: [{ type: "Split", pattern: { Regex: LLAMA3_SPLIT_REGEX }, behavior: "Removed" }, { type: "ByteLevel", use_regex: false }] }));
  });

  // conversion/llama.py LlamaModel.permute: reshape(n_head, 2, rows/n_head/2, cols).swapaxes(1, 2)
  test("q/k rows go from rotate-half to interleaved order, per head", () => {
    const rows = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7]); // 2 heads of 4 rows, one byte per row
    assert.deepEqual([...permuteRows(rows, 8, 1, 2)], [0, 2, 1, 3, 4, 6, 5, 7]);
  });

  test("permuteRange gives every byte range of permuteRows' output (the writer asks for pieces cut anywhere)", () => {
    const rowBytes = 3;
    const raw = Uint8Array.from({ length: 2 * 6 * rowBytes }, (_, i) => i); // 2 heads of 6 rows
    const whole = permuteRows(raw, 12, rowBytes, 2);
    for (let start = 0; start <= raw.length; start++) {
      for (let end = start; end <= raw.length; end++) {
        const target = new Uint8Array(end - start);
        permuteRange(raw, target, start, 6, rowBytes);
        assert.deepEqual([...target], [...whole.subarray(start, end)], `bytes ${start}..${end}`);
      }
    }
  });

  test("size labels as gguf-py writes them", () => {
    assert.equal(sizeLabel(119_000), "119K");
    assert.equal(sizeLabel(1_100_048_384), "1.1B");
    assert.equal(sizeLabel(7_241_732_096), "7.2B");
    assert.equal(sizeLabel(8_030_261_248), "8.0B");
  });

  test("safetensors: header offsets are checked against the file", async () => {
    const file = path.join(root, "x.safetensors");
    writeFileSync(file, encodeSafetensors([{ name: "a", dtype: "F32", shape: [2], data: new Uint8Array(8) }, { name: "b", dtype: "F16", shape: [3], data: Uint8Array.from([1, 0, 2, 0, 3, 0]) }]));
    const st = await SafetensorsFile.open(file);
    try {
      assert.deepEqual([...(await st.read(st.entries.get("b")!))], [1, 0, 2, 0, 3, 0]);
    } finally {
      await st.close();
    }
    writeFileSync(file, Buffer.concat([Buffer.from([200, 0, 0, 0, 0, 0, 0, 0]), Buffer.from("{}")]));
    await assert.rejects(SafetensorsFile.open(file), (e: InputError) => e.diagnostics[0]!.code === "MS3203" && /header length 200 runs past the end/.test(e.diagnostics[0]!.message));
  });
});

describe("modelsmith build FROM a checkpoint folder (CLI)", () => {
  test("converts, quantizes nothing, assembles; a rebuild runs no step; -j 4 in a fresh store gives the same manifest", async () => {
    const project = path.join(root, "project");
    await writeTestCheckpoint(path.join(project, "ckpt"), "llama", "bpe");
    writeFileSync(path.join(project, "Modelfile"), "FROM ./ckpt\n");
    writeFileSync(path.join(project, "modelsmith.yaml"), "models:\n  tiny:\n    modelfile: Modelfile\n    convert: F32\n");
    const home = path.join(root, "home");
    const first = await runCli(["build", "--json"], { cwd: project, env: { MODELSMITH_HOME: home } });
    assert.equal(first.exitCode, 0, first.stderr);
    const built = JSON.parse(first.stdout) as { stepsRun: number; models: { manifest: string }[] };
    assert.equal(built.stepsRun, 2);
    const manifest = JSON.parse(readFileSync(path.join(home, "manifests", "registry.ollama.ai", "library", "tiny", "latest"), "utf8")) as { layers: { mediaType: string; digest: string }[] };
    const model = manifest.layers.find((l) => l.mediaType === "application/vnd.ollama.image.model")!;
    const g = await readGgufFile(path.join(home, "blobs", model.digest.replace(":", "-")));
    assert.equal(plainValue(g.metadata.get("general.file_type")!.value), 0);
    assert.equal(g.tensors.find((t) => t.name === "blk.0.attn_q.weight")!.typeName, "F32");

    const again = await runCli(["build", "--json"], { cwd: project, env: { MODELSMITH_HOME: home } });
    assert.equal((JSON.parse(again.stdout) as { stepsRun: number }).stepsRun, 0);

    // `FROM ./ckpt/` is the same source as `FROM ./ckpt`: same lock, no step run, same manifest.
    const lock = readFileSync(path.join(project, "models.lock"), "utf8");
    writeFileSync(path.join(project, "Modelfile"), "FROM ./ckpt/\n");
    const slash = await runCli(["build", "--json", "--frozen"], { cwd: project, env: { MODELSMITH_HOME: home } });
    assert.equal(slash.exitCode, 0, slash.stderr);
    assert.equal((JSON.parse(slash.stdout) as { stepsRun: number }).stepsRun, 0);
    assert.equal((JSON.parse(slash.stdout) as { models: { manifest: string }[] }).models[0]!.manifest, built.models[0]!.manifest);
    assert.equal(readFileSync(path.join(project, "models.lock"), "utf8"), lock);
    writeFileSync(path.join(project, "Modelfile"), "FROM ./ckpt\n");

    const other = await runCli(["build", "--json", "-j", "4"], { cwd: project, env: { MODELSMITH_HOME: path.join(root, "home2") } });
    assert.equal(other.exitCode, 0, other.stderr);
    assert.equal((JSON.parse(other.stdout) as { models: { manifest: string }[] }).models[0]!.manifest, built.models[0]!.manifest);
  });

  test("a bad checkpoint is exit 2 with its MS code, the file and the tensor, and no stack trace", async () => {
    const project = path.join(root, "bad-project");
    await writeTestCheckpoint(path.join(project, "ckpt"), "llama", "bpe");
    const f = path.join(project, "ckpt", "model-00001-of-00002.safetensors");
    truncateSync(f, statSync(f).size - 10);
    writeFileSync(path.join(project, "Modelfile"), "FROM ./ckpt\n");
    writeFileSync(path.join(project, "modelsmith.yaml"), "models:\n  tiny:\n    modelfile: Modelfile\n");
    const r = await runCli(["build"], { cwd: project, env: { MODELSMITH_HOME: path.join(root, "home3") } });
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /MS3203/);
    assert.match(r.stderr, /model-00001-of-00002\.safetensors: tensor model\.layers\.1\.input_layernorm\.weight ends at byte/);
    assert.equal(hasStackTrace(r.stderr), false);
  });
});

describe("the TEMPLATE layer Ollama would detect (CLI)", () => {
  // ollama/ollama server/model.go detectChatTemplate, called by create for a GGUF or safetensors source:
  // https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/model.go#L93-L125
  test("a llama-3 checkpoint gets llama3-instruct and its stop list; TEMPLATE and PARAMETER of the Modelfile win; an unknown template gets none; run renders as before", async () => {
    const project = path.join(root, "template-project");
    await writeTestCheckpoint(path.join(project, "ckpt"), "llama", "bpe");
    const config = path.join(project, "ckpt", "tokenizer_config.json");
    writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, "utf8")), chat_template: META_LLAMA3_TEMPLATE }));
    await writeTestCheckpoint(path.join(project, "other"), "llama", "bpe");
    const otherConfig = path.join(project, "other", "tokenizer_config.json");
    writeFileSync(otherConfig, JSON.stringify({ ...JSON.parse(readFileSync(otherConfig, "utf8")), chat_template: TEST_CHAT_TEMPLATE }));
    writeFileSync(path.join(project, "Modelfile"), "FROM ./ckpt\n");
    writeFileSync(path.join(project, "Own.Modelfile"), 'FROM ./ckpt\nTEMPLATE "{{ .Prompt }}"\nPARAMETER temperature 0.5\n');
    writeFileSync(path.join(project, "Other.Modelfile"), "FROM ./other\n");
    writeFileSync(path.join(project, "modelsmith.yaml"), "models:\n  llama3:\n    modelfile: Modelfile\n    convert: F32\n  own:\n    modelfile: Own.Modelfile\n    convert: F32\n  other:\n    modelfile: Other.Modelfile\n    convert: F32\n");
    const home = path.join(root, "template-home");
    const r = await runCli(["build"], { cwd: project, env: { MODELSMITH_HOME: home } });
    assert.equal(r.exitCode, 0, r.stderr);
    const layers = async (model: string) => {
      const m = JSON.parse(readFileSync(path.join(home, "manifests", "registry.ollama.ai", "library", model, "latest"), "utf8")) as { layers: { mediaType: string; digest: string }[] };
      return Promise.all(m.layers.map(async (l) => [l.mediaType.replace("application/vnd.ollama.image.", ""), l.mediaType.endsWith(".model") ? "" : await readFile(path.join(home, "blobs", l.digest.replace(":", "-")), "utf8")] as const));
    };
    // Ollama's order and encoding (Go's json.Encoder: HTML escapes, a newline): the model, then the detected template and params (ollama/ollama template/llama3-instruct.gotmpl and .json).
    assert.deepEqual(await layers("llama3"), [
      ["model", ""],
      ["template", "{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>\n{{- end }}<|start_header_id|>assistant<|end_header_id|>\n\n"],
      ["params", '{"stop":["\\u003c|start_header_id|\\u003e","\\u003c|end_header_id|\\u003e","\\u003c|eot_id|\\u003e"]}\n'],
    ]);
    assert.deepEqual(await layers("own"), [
      ["model", ""],
      ["template", "{{ .Prompt }}"],
      ["params", '{"stop":["\\u003c|start_header_id|\\u003e","\\u003c|end_header_id|\\u003e","\\u003c|eot_id|\\u003e"],"temperature":0.5}\n'],
    ]);
    assert.deepEqual(await layers("other"), [["model", ""]]);

    // modelsmith itself still renders the Meta template's text: the same prompt tokens and greedy text as that text sent raw.
    const model = await openModel(home, "llama3", { threads: 1, contextSize: 256, gpu: false });
    try {
      const options = { num_predict: 4, temperature: 0 };
      const chat = await model.generate({ messages: [{ role: "user", content: " hi " }], options });
      const raw = await model.generate({ raw: true, prompt: "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", options });
      assert.deepEqual([chat.promptTokens, chat.text], [raw.promptTokens, raw.text]);
    } finally {
      await model.close();
    }
  });
});
