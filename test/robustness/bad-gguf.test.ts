/**
 * A GGUF whose hyperparameters llama.cpp asserts on (GGML_ASSERT aborts the
 * whole process, exit 134) is refused before llama.cpp sees it: `check` and
 * `build` exit 2 at the FROM line with the GGUF key named (MS3090), and `run`
 * of a model already in the store exits 2 the same way.
 *
 * The asserts pinned here, in the llama.cpp that node-llama-cpp 3.21.1 bundles:
 * - https://github.com/ggml-org/llama.cpp/blob/master/ggml/src/ggml-cpu/ops.cpp (`GGML_ASSERT(eps >= 0.0f)` in rms_norm)
 * - https://github.com/ggml-org/llama.cpp/blob/master/src/llama-model-loader.cpp (`GGML_ASSERT(t_meta.ne[dim] >= 1)` when head_count_kv overflows n_embd_k_gqa)
 * - https://github.com/ggml-org/llama.cpp/blob/master/src/llama-model.cpp (load_hparams: block_count, experts, rope scaling type)
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { ggufToBuffer, gv, type GgufMetadataEntry, type GgufWriteInput } from "../../src/gguf/index.js";
import { Store } from "../../src/store/index.js";
import { randomLlama } from "../../src/testmodels/index.js";
import { hasStackTrace, runCli } from "../helpers/cli.js";
import { storeModel } from "../runtime/store-model.js";
import { ms, project } from "./helpers.js";

const SHAPE = { seed: 7, tensorType: "F32", name: "bad", nEmbd: 256, nLayer: 1, nHead: 4, nHeadKv: 4, nFf: 256, vocabSize: 300, contextLength: 256 } as const;

/** The small random llama with `key` set to `entry`. */
function llamaWith(key: string, entry: GgufMetadataEntry): GgufWriteInput {
  const input = randomLlama(SHAPE);
  const metadata = [...input.metadata].map(([k, v]): [string, GgufMetadataEntry] => [k, k === key ? entry : v]);
  if (!metadata.some(([k]) => k === key)) metadata.push([key, entry]);
  return { ...input, metadata };
}

const CASES: { name: string; key: string; entry: GgufMetadataEntry }[] = [
  { name: "rms epsilon -1", key: "llama.attention.layer_norm_rms_epsilon", entry: gv.f32(-1) },
  { name: "head_count_kv 2^31", key: "llama.attention.head_count_kv", entry: gv.u32(2 ** 31) },
  { name: "rms epsilon NaN", key: "llama.attention.layer_norm_rms_epsilon", entry: gv.f32(Number.NaN) },
  { name: "block_count 0", key: "llama.block_count", entry: gv.u32(0) },
  { name: "an unknown rope scaling type", key: "llama.rope.scaling.type", entry: gv.str("spiral") },
  { name: "expert_used_count without experts", key: "llama.expert_used_count", entry: gv.u32(2) },
];

const PROJECT = { "modelsmith.yaml": "models:\n  m:\n    modelfile: Modelfile\n", Modelfile: "# a model\nFROM ./bad.gguf\n" };

describe("a GGUF llama.cpp would abort on", () => {
  for (const c of CASES) {
    it(`${c.name}: check and build exit 2 at FROM naming ${c.key}`, async (t) => {
      const { dir, home } = project(t, PROJECT);
      writeFileSync(path.join(dir, "bad.gguf"), await ggufToBuffer(llamaWith(c.key, c.entry)));
      for (const cmd of ["check", "build"]) {
        const r = await ms(home, dir, cmd);
        assert.equal(r.exitCode, 2, `${cmd}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`^Modelfile:2:6: error\\[MS3090\\]: .*${c.key.replace(/\./g, "\\.")} `, "m"), `${cmd}: ${r.stderr}`);
        assert.ok(!hasStackTrace(r.stderr) && !/GGML_ASSERT/.test(r.stderr), r.stderr);
      }
    });
  }

  it("a tensor whose shape disagrees with the metadata is MS3091 naming the tensor", async (t) => {
    const { dir, home } = project(t, PROJECT);
    const input = randomLlama(SHAPE);
    // head_count_kv 2 (which divides 4) makes attn_k and attn_v [256, 128]; the file's are [256, 256].
    const metadata = [...input.metadata].map(([k, v]): [string, GgufMetadataEntry] => [k, k === "llama.attention.head_count_kv" ? gv.u32(2) : v]);
    writeFileSync(path.join(dir, "bad.gguf"), await ggufToBuffer({ ...input, metadata }));
    const r = await ms(home, dir, "build");
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /error\[MS3091\]: .*tensor blk\.0\.attn_k\.weight has shape \[256, 256\], but the metadata \(llama\.\*\) gives \[256, 128\]/);
  });

  it("run refuses a stored model with epsilon -1 before llama.cpp loads it (exit 2, no abort)", async (t) => {
    const { dir, home } = project(t, { "README": "" });
    await storeModel(new Store(home), "bad", { gguf: llamaWith("llama.attention.layer_norm_rms_epsilon", gv.f32(-1)), params: { num_ctx: 256, num_predict: 2 } });
    const r = await runCli(["run", "bad", "hello"], { env: { MODELSMITH_HOME: home }, cwd: dir, input: "" });
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /error\[MS3090\]: model bad:latest: llama\.attention\.layer_norm_rms_epsilon is -1/);
    assert.ok(!/GGML_ASSERT/.test(r.stderr) && !hasStackTrace(r.stderr), r.stderr);
  });

  it("the same file with sane values builds (the check is not a blanket refusal)", async (t) => {
    const { dir, home } = project(t, PROJECT);
    writeFileSync(path.join(dir, "bad.gguf"), await ggufToBuffer(randomLlama(SHAPE)));
    const r = await ms(home, dir, "build", "--no-test");
    assert.equal(r.exitCode, 0, r.stderr);
  });
});
