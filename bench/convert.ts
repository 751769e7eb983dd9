/**
 * Opt-in (BENCH_CONVERT=1; it writes about 4.4 GB): converting a random
 * checkpoint of TinyLlama-1.1B's shape (22 layers, hidden 2048, 32 heads, 4 KV
 * heads, ffn 5632, vocab 32000; F16 weights, about 2.2 GB, one shard) to F16
 * GGUF with modelsmith's converter against llama.cpp's convert_hf_to_gguf.py
 * (Debian's /usr/bin/python3 with the test stand-ins), each in its own
 * process under /usr/bin/time: wall time and peak RSS (targets <= 0.5 each),
 * and the two outputs must be identical once general.name is.
 * BENCH_CONVERT_LAYERS overrides the layer count (a smaller run).
 *
 * Fair to both: each runs once untimed first; before each timed run its
 * earlier output is removed, `sync` writes back what the previous run left
 * dirty (neither pays for the other's writeback), a 5 s wait lets freed
 * memory go back to a VM's host (see level), and the input folder is read
 * once, so both start with the input in the page cache. BENCH_CONVERT_REPS (1) runs each that many times,
 * alternating which goes first; the best of each is reported. The load
 * average before the first run is in the row. A third row times `dd`
 * copying the same safetensors file (bs=256K, the size of our write calls), levelled the same way: the
 * I/O floor: no converter that writes these bytes gets under it. Alone, after a build:
 *
 *     BENCH_CONVERT_LAYERS=22 node dist/bench/convert.js
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { readGgufFile } from "../src/gguf/index.js";
import { writeHfCheckpoint } from "../src/testmodels/hfCheckpoint.js";
import { fromRoot } from "../tools/paths.js";
import type { BenchRow } from "./table.js";
import { llamaCppSource, trainSpm } from "../tools/convert-reference.js";
import { log, positiveIntEnv, runAlone } from "./util.js";

const run = promisify(execFile);
const TIME = "/usr/bin/time";
const PYTHON = "/usr/bin/python3";

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest("hex");
}

interface Timing {
  s: number;
  rssKiB: number;
  userS: number;
  sysS: number;
  /** Voluntary context switches: mostly waits for I/O. */
  waits: number;
}

/** Wall seconds, peak RSS (KiB), CPU seconds and waits of a command, from /usr/bin/time. */
async function timed(cmd: string, args: string[]): Promise<Timing> {
  const r = await run(TIME, ["-f", "BENCH %e %M %U %S %w", cmd, ...args], { maxBuffer: 256 << 20, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } });
  const m = /BENCH ([\d.]+) (\d+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no timing from ${cmd}: ${r.stderr.slice(-500)}`);
  return { s: Number(m[1]), rssKiB: Number(m[2]), userS: Number(m[3]), sysS: Number(m[4]), waits: Number(m[5]) };
}

/** The same start for each run: no output file, nothing dirty left by the previous run, the input in the page cache. */
async function level(input: string, output: string): Promise<void> {
  rmSync(output, { force: true });
  await run("sync", []);
  // Memory freed a moment ago is several times cheaper to write into than memory freed earlier on a VM whose kernel
  // hands free memory back to the host (virtio-balloon free page reporting, in 2 MiB blocks, after about 2 s; measured
  // with dd here: 0.9-5 s just after removing a file of the same size, 7-12 s without, at load 8). Waiting lets the
  // output just removed go back too, so that no run writes into memory another one has just freed.
  await new Promise((resolve) => setTimeout(resolve, LEVEL_WAIT_MS));
  for (const f of readdirSync(input)) {
    for await (const _ of createReadStream(path.join(input, f), { highWaterMark: 8 << 20 })) void _;
  }
}

const LEVEL_WAIT_MS = 5000;

const best = (ts: Timing[]): Timing => ts.reduce((a, b) => (b.s < a.s ? b : a));

export async function convertBench(root: string): Promise<BenchRow[]> {
  if (!existsSync(TIME) || !existsSync(PYTHON)) return [{ measure: "convert (skipped: /usr/bin/time or /usr/bin/python3 missing)", ours: "-", baseline: "-", ratio: "-", target: "-", ok: true }];
  const dir = path.join(root, "tinyllama-shape");
  mkdirSync(dir, { recursive: true });
  const layers = positiveIntEnv("BENCH_CONVERT_LAYERS", 22);
  await writeHfCheckpoint(dir, { arch: "llama", seed: 11, hidden: 2048, layers, heads: 32, kvHeads: 4, ffn: 5632, vocabSize: 32000, dtype: "F16", config: { bos_token_id: 1, eos_token_id: 2, max_position_embeddings: 2048 } });
  // The tokenizer is not what is measured: the tests' small spm_train one stands in (vocab_size pads the rest).
  await trainSpm(dir);
  await writeFile(path.join(dir, "tokenizer_config.json"), JSON.stringify({ bos_token: "<s>", eos_token: "</s>" }));
  const ref = path.join(root, "ref.gguf");
  const ours = path.join(root, "ours.gguf");
  const reps = positiveIntEnv("BENCH_CONVERT_REPS", 1);
  const load = loadavg()[0]!;
  const reference = () => timed(PYTHON, [fromRoot("test/fixtures/hf-standins/run_reference.py"), llamaCppSource(), dir, "--outtype", "f16", "--outfile", ref]);
  // general.name is the folder's name in the reference: ours is given the same (run once untimed to learn it).
  await level(dir, ref);
  await reference();
  const name = String((await readGgufFile(ref)).metadata.get("general.name")!.value);
  const script = `import(${JSON.stringify(fromRoot("dist/src/convert/index.js"))}).then((m) => m.convertCheckpoint({ dir: ${JSON.stringify(dir)}, outPath: ${JSON.stringify(ours)}, outType: "F16", name: ${JSON.stringify(name)} }))`;
  const modelsmith = () => timed(process.execPath, ["-e", script]);
  // The floor: the same bytes copied by dd, no conversion, no hash (what an I/O-bound converter can at best come near).
  const copy = path.join(root, "copy.bin");
  const dd = () => timed("dd", [`if=${path.join(dir, "model.safetensors")}`, `of=${copy}`, "bs=256K", "status=none"]);
  const theirRuns: Timing[] = [];
  const ourRuns: Timing[] = [];
  const ddRuns: Timing[] = [];
  // Each is run once untimed (the reference above), so that all start alike.
  await level(dir, ours);
  await modelsmith();
  await level(dir, copy);
  await dd();
  const show = (who: string, t: Timing) => log(`convert ${who}: ${t.s.toFixed(2)} s wall, ${t.userS.toFixed(2)} s user, ${t.sysS.toFixed(2)} s sys, ${t.waits} waits, ${(t.rssKiB / 1024).toFixed(0)} MiB peak RSS (load ${loadavg()[0]!.toFixed(2)})`);
  for (let i = 0; i < reps; i++) {
    for (const who of i % 2 === 0 ? ["ours", "reference", "dd"] : ["dd", "reference", "ours"]) {
      await level(dir, who === "ours" ? ours : who === "dd" ? copy : ref);
      const t = who === "ours" ? await modelsmith() : who === "dd" ? await dd() : await reference();
      (who === "ours" ? ourRuns : who === "dd" ? ddRuns : theirRuns).push(t);
      show(who, t);
    }
  }
  rmSync(copy, { force: true });
  const theirs = best(theirRuns);
  const mine = best(ourRuns);
  const floor = best(ddRuns);
  const same = (await sha256File(ours)) === (await sha256File(ref));
  rmSync(dir, { recursive: true, force: true });
  const mib = (k: number) => `${(k / 1024).toFixed(0)} MiB`;
  return [
    { measure: `convert TinyLlama shape (${layers} layers) F16: time (best of ${reps}, load ${load.toFixed(2)})`, ours: `${mine.s.toFixed(1)} s`, baseline: `convert_hf_to_gguf.py ${theirs.s.toFixed(1)} s`, ratio: (mine.s / theirs.s).toFixed(2), target: "<= 0.5", ok: mine.s / theirs.s <= 0.5 && same },
    { measure: "convert: time against the I/O floor", ours: `${mine.s.toFixed(1)} s`, baseline: `dd copy of the input ${floor.s.toFixed(1)} s`, ratio: (mine.s / floor.s).toFixed(2), target: "(floor)", ok: true },
    { measure: "convert: peak RSS", ours: mib(mine.rssKiB), baseline: `convert_hf_to_gguf.py ${mib(theirs.rssKiB)}`, ratio: (mine.rssKiB / theirs.rssKiB).toFixed(2), target: "<= 0.5", ok: mine.rssKiB / theirs.rssKiB <= 0.5 && same },
  ];
}

await runAlone(import.meta.url, "convert", convertBench);
