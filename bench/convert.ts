/**
 * Opt-in (BENCH_CONVERT=1; it writes about 4.4 GB): converting a random
 * checkpoint of TinyLlama-1.1B's shape (22 layers, hidden 2048, 32 heads, 4 KV
 * heads, ffn 5632, vocab 32000; F16 weights, about 2.2 GB, one shard) to F16
 * GGUF with modelsmith's converter against llama.cpp's convert_hf_to_gguf.py
 * (Debian's /usr/bin/python3 with the test stand-ins), each in its own
 * process under /usr/bin/time: wall time and peak RSS (targets <= 0.5 each),
 * and the two outputs must be identical once general.name is.
 * BENCH_CONVERT_LAYERS overrides the layer count (a smaller run).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { readGgufFile } from "../src/gguf/index.js";
import { writeHfCheckpoint } from "../src/testmodels/hfCheckpoint.js";
import { fromRoot } from "../tools/paths.js";
import type { BenchRow } from "./table.js";
import { llamaCppSource, trainSpm } from "../tools/convert-reference.js";

const run = promisify(execFile);
const TIME = "/usr/bin/time";
const PYTHON = "/usr/bin/python3";

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest("hex");
}

/** Wall seconds and peak RSS (KiB) of a command, from /usr/bin/time. */
async function timed(cmd: string, args: string[]): Promise<{ s: number; rssKiB: number }> {
  const r = await run(TIME, ["-f", "BENCH %e %M", cmd, ...args], { maxBuffer: 256 << 20, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } });
  const m = /BENCH ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no timing from ${cmd}: ${r.stderr.slice(-500)}`);
  return { s: Number(m[1]), rssKiB: Number(m[2]) };
}

export async function convertBench(root: string): Promise<BenchRow[]> {
  if (!existsSync(TIME) || !existsSync(PYTHON)) return [{ measure: "convert (skipped: /usr/bin/time or /usr/bin/python3 missing)", ours: "-", baseline: "-", ratio: "-", target: "-", ok: true }];
  const dir = path.join(root, "tinyllama-shape");
  mkdirSync(dir, { recursive: true });
  const layers = Number(process.env["BENCH_CONVERT_LAYERS"] ?? 22);
  await writeHfCheckpoint(dir, { arch: "llama", seed: 11, hidden: 2048, layers, heads: 32, kvHeads: 4, ffn: 5632, vocabSize: 32000, dtype: "F16", config: { bos_token_id: 1, eos_token_id: 2, max_position_embeddings: 2048 } });
  // The tokenizer is not what is measured: the tests' small spm_train one stands in (vocab_size pads the rest).
  await trainSpm(dir);
  await writeFile(path.join(dir, "tokenizer_config.json"), JSON.stringify({ bos_token: "<s>", eos_token: "</s>" }));
  const ref = path.join(root, "ref.gguf");
  const ours = path.join(root, "ours.gguf");
  const theirs = await timed(PYTHON, [fromRoot("test/fixtures/hf-standins/run_reference.py"), llamaCppSource(), dir, "--outtype", "f16", "--outfile", ref]);
  const name = String((await readGgufFile(ref)).metadata.get("general.name")!.value);
  const script = `import(${JSON.stringify(fromRoot("dist/src/convert/index.js"))}).then((m) => m.convertCheckpoint({ dir: ${JSON.stringify(dir)}, outPath: ${JSON.stringify(ours)}, outType: "F16", name: ${JSON.stringify(name)} }))`;
  const mine = await timed(process.execPath, ["-e", script]);
  const same = (await sha256File(ours)) === (await sha256File(ref));
  rmSync(dir, { recursive: true, force: true });
  const mib = (k: number) => `${(k / 1024).toFixed(0)} MiB`;
  return [
    { measure: `convert TinyLlama shape (${layers} layers) F16: time`, ours: `${mine.s.toFixed(1)} s`, baseline: `convert_hf_to_gguf.py ${theirs.s.toFixed(1)} s`, ratio: (mine.s / theirs.s).toFixed(2), target: "<= 0.5", ok: mine.s / theirs.s <= 0.5 && same },
    { measure: "convert: peak RSS", ours: mib(mine.rssKiB), baseline: `convert_hf_to_gguf.py ${mib(theirs.rssKiB)}`, ratio: (mine.rssKiB / theirs.rssKiB).toFixed(2), target: "<= 0.5", ok: mine.rssKiB / theirs.rssKiB <= 0.5 && same },
  ];
}
