/**
 * `npm run bench`: the build's cost against baselines measured in the same
 * run, on a generated random-weight F16 llama of BENCH_SIZE_MIB MiB (default
 * 1024; generating it is not counted):
 *
 * - cold build (`modelsmith build` of `FROM ./model.gguf` into an empty
 *   store, the CLI as a user runs it) / sha256 of the same file with Node's
 *   crypto (target <= 1.2);
 * - bytes copied into the store by that build (target 0 on one file system:
 *   the model is hardlinked);
 * - no-op rebuild wall time (target < 0.5 s, and no larger than for a 10 MiB
 *   model: it must not grow with the model);
 * - quantization to Q4_K_M with 2 threads (modelsmith's quantize(), llama.cpp
 *   through node-llama-cpp's prebuilt library in a child process) /
 *   `llama-quantize` compiled in this run from the llama.cpp source that
 *   node-llama-cpp bundles, against the same prebuilt libraries (target <= 1.05).
 *
 * The CLI rows are what a user waits for; the in-process rows (buildProject
 * called here) leave out starting Node and loading the CLI's modules, shown
 * on their own as "CLI start".
 *
 * Then the inference bench (bench/inference.ts: prompt tests on 4 sequences vs
 * one by one, `run --verbose` decode vs llama-bench; BENCH_INFERENCE=0 skips it)
 * adds its rows. BENCH_CONVERT=1 adds the checkpoint conversion rows
 * (bench/convert.ts; opt-in: it writes about 4.4 GB).
 *
 * Then the serve bench (bench/serve.ts: `modelsmith serve` against llama.cpp's
 * own `llama-server`, built in this run from the bundled source against the
 * same prebuilt libraries, on the same Q4_K_M blob with the same threads and
 * slots, one at a time, driven by one load script: one stream, 4 and 8
 * streams, a 512-token prompt, RSS; BENCH_SERVE=0 skips it; alone: `node
 * dist/bench/serve.js`) adds its rows.
 *
 * BENCH_REMOTE_CACHE=1 adds the remote build cache's rows (bench/remote-cache.ts).
 *
 * BENCH_RUNNER=1 adds serve's runner process against in-process generation
 * (bench/runner.ts; alone: `node dist/bench/runner.js`).
 *
 * Prints one table on stdout, details on stderr. Everything lives in one temp
 * directory (so the store and the model share a file system), removed at the end.
 * The model file is at least 2 s old before the cold build, as a user's file
 * is: a file written within the stat cache's racy window is hashed again when
 * it is ingested (src/store/stat-cache.ts).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { buildProject } from "../src/build/build.js";
import { quantize } from "../src/quantize/quantize.js";
import { writeTestModel } from "../src/testmodels/writeTestModel.js";
import { buildLlamaQuantize } from "../tools/llama-quantize-build.js";
import { benchTable, type BenchRow } from "./table.js";
import { fromRoot } from "../tools/paths.js";
import { benchShape } from "./shape.js";
import { inferenceBench } from "./inference.js";
import { convertBench } from "./convert.js";
import { serveBench } from "./serve.js";
import { remoteCacheBench } from "./remote-cache.js";
import { runnerBench } from "./runner.js";
import { log, s } from "./util.js";

const run = promisify(execFile);

/** Seconds `fn` takes. */
async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest("hex");
}

/** `modelsmith <args>` in `cwd` with its own store; its wall time in seconds. */
function cli(cwd: string, home: string, ...args: string[]): Promise<number> {
  return seconds(() => run(process.execPath, [fromRoot("bin/modelsmith.js"), ...args], { cwd, env: { ...process.env, MODELSMITH_HOME: home, CI: "1" }, maxBuffer: 64 << 20 }));
}

/** buildProject in this process (no Node start, no CLI module loading); its seconds. */
function inProcess(dir: string, home: string): Promise<number> {
  return seconds(() => buildProject({ dir, storeRoot: home, home: tmpdir(), display: (abs) => abs, sources: new Map() }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A project `FROM ./model.gguf` holding a generated model of `mib` MiB; returns its dir, store and model file. */
async function modelProject(root: string, name: string, mib: number): Promise<{ dir: string; home: string; model: string; generatedS: number }> {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "modelsmith.yaml"), "models:\n  bench:\n    modelfile: Modelfile\n");
  writeFileSync(path.join(dir, "Modelfile"), "FROM ./model.gguf\nSYSTEM You are a benchmark.\nPARAMETER temperature 0\n");
  const model = path.join(dir, "model.gguf");
  const generatedS = await seconds(async () => {
    await writeTestModel(model, { kind: "random", name: "random", seed: 1, tensorType: "F16", ...benchShape(mib) });
    // On disk before anything is timed, as a user's model is: otherwise the build's first fsync (of a small layer) waits for the file system to write a just-generated GiB back.
    const fh = await open(model, "r+");
    await fh.sync();
    await fh.close();
  });
  return { dir, home: path.join(root, `${name}-store`), model, generatedS };
}

/** Waits until `file` was last written more than 2 s ago (the stat cache's racy window). */
async function settle(file: string): Promise<void> {
  const age = Date.now() - statSync(file).mtimeMs;
  if (age < 2100) await sleep(2100 - age);
}


const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const mib = Number(process.env["BENCH_SIZE_MIB"] ?? 1024);
  if (!Number.isFinite(mib) || mib < 1) throw new Error(`BENCH_SIZE_MIB must be a number of MiB >= 1, got ${process.env["BENCH_SIZE_MIB"]}`);
  const root = mkdtempSync(path.join(tmpdir(), "modelsmith-bench-"));
  try {
    const shape = benchShape(mib);
    const big = await modelProject(root, "big", mib);
    const size = statSync(big.model).size;
    log(`generated ${mb(size)} F16 random llama (embd ${shape.nEmbd}, ff ${shape.nFf}, ${shape.nLayer} layers) in ${s(big.generatedS)} (not counted)`);
    const small = await modelProject(root, "small", 10);
    await settle(big.model);
    await settle(small.model);

    // Cold build vs hashing. The file is in the page cache for both (it was just written).
    const hashS = Math.min(await seconds(() => sha256File(big.model)), await seconds(() => sha256File(big.model)));
    // In process first: its hardlink moves the file's ctime, which the CLI store's blob check would then see (one re-hash).
    const coldInS = await inProcess(big.dir, path.join(root, "big-store-in-process"));
    rmSync(path.join(big.dir, "models.lock"));
    const coldS = await cli(big.dir, big.home, "build");
    const startS = median([await cli(root, big.home, "--version"), await cli(root, big.home, "--version"), await cli(root, big.home, "--version")]);
    log(`sha256 with node:crypto ${s(hashS)}; cold build ${s(coldS)} (CLI), ${s(coldInS)} (in process); CLI start ${s(startS)}`);

    // Bytes copied: the model layer's blob is the user's file (hardlink) unless it was copied.
    const lock = readFileSync(path.join(big.dir, "models.lock"), "utf8");
    const digest = /digest: sha256:([0-9a-f]{64})/.exec(lock)![1]!;
    const blob = statSync(path.join(big.home, "blobs", `sha256-${digest}`));
    const copied = blob.ino === statSync(big.model).ino ? 0 : blob.size;

    // No-op rebuilds: median of 5, the big model and a 10 MiB one.
    await cli(small.dir, small.home, "build");
    const noop: number[] = [];
    const noopSmall: number[] = [];
    for (let i = 0; i < 5; i++) {
      noop.push(await cli(big.dir, big.home, "build"));
      noopSmall.push(await cli(small.dir, small.home, "build"));
    }
    const noopIn = median([await inProcess(big.dir, big.home), await inProcess(big.dir, big.home), await inProcess(big.dir, big.home)]);
    log(`no-op rebuilds: ${mb(size)} ${noop.map(s).join(", ")}; 10 MiB ${noopSmall.map(s).join(", ")}; in process ${s(noopIn)}`);

    // Quantization: llama-quantize and quantize(), same input, type and threads; outputs must be identical.
    const exe = buildLlamaQuantize();
    let quantRow: BenchRow;
    if (!exe) {
      quantRow = { measure: "quantize Q4_K_M, 2 threads", ours: "-", baseline: "llama-quantize could not be built (g++, git or tar missing)", ratio: "-", target: "<= 1.05", ok: false };
    } else {
      const theirs = path.join(root, "llama-quantize.gguf");
      const ours = path.join(root, "modelsmith.gguf");
      // Interleaved A B B A A B (the fastest of each; one each above 1.5 GiB), so that load from other work hits both alike.
      const reps = mib > 1536 ? 1 : 3;
      const base: number[] = [];
      const mine: number[] = [];
      const baseline = async () => base.push(await seconds(() => run(exe, [big.model, theirs, "Q4_K_M", "2"], { maxBuffer: 64 << 20 })));
      const modelsmith = async () => mine.push(await seconds(() => quantize({ input: big.model, output: ours, type: "Q4_K_M", threads: 2 })));
      for (let i = 0; i < reps; i++) {
        if (i % 2 === 0) await baseline().then(modelsmith);
        else await modelsmith().then(baseline);
      }
      const [baseS, oursS] = [Math.min(...base), Math.min(...mine)];
      const same = (await sha256File(theirs)) === (await sha256File(ours));
      log(`quantize Q4_K_M: llama-quantize ${base.map(s).join(", ")}; modelsmith ${mine.map(s).join(", ")}; outputs ${same ? "identical" : "DIFFER"}`);
      quantRow = {
        measure: "quantize Q4_K_M, 2 threads",
        ours: s(oursS),
        baseline: `llama-quantize ${s(baseS)}`,
        ratio: (oursS / baseS).toFixed(2),
        target: "<= 1.05",
        ok: oursS / baseS <= 1.05 && same,
      };
    }

    const rows: BenchRow[] = [
      { measure: `cold build, ${mb(size)} F16 (CLI)`, ours: s(coldS), baseline: `node:crypto sha256 ${s(hashS)}`, ratio: (coldS / hashS).toFixed(2), target: "<= 1.2", ok: coldS / hashS <= 1.2 },
      { measure: "cold build, in process", ours: s(coldInS), baseline: `node:crypto sha256 ${s(hashS)}`, ratio: (coldInS / hashS).toFixed(2), target: "<= 1.2", ok: coldInS / hashS <= 1.2 },
      { measure: "bytes copied into the store", ours: `${copied} B`, baseline: `model ${size} B`, ratio: (copied / size).toFixed(2), target: "0 (one file system)", ok: copied === 0 },
      {
        measure: "no-op rebuild (median of 5)",
        ours: s(median(noop)),
        baseline: `10 MiB model ${s(median(noopSmall))}`,
        ratio: (median(noop) / median(noopSmall)).toFixed(2),
        target: "< 0.5 s, <= 10 MiB's",
        // "No larger" within 10% or 50 ms: both are one process start and a few stats.
        ok: median(noop) < 0.5 && median(noop) <= Math.max(median(noopSmall) * 1.1, median(noopSmall) + 0.05),
      },
      { measure: "no-op rebuild, in process", ours: s(noopIn), baseline: "-", ratio: "-", target: "< 0.5 s", ok: noopIn < 0.5 },
      { measure: "CLI start (--version)", ours: s(startS), baseline: "-", ratio: "-", target: "(reference)", ok: true },
      quantRow,
    ];
    if (process.env["BENCH_INFERENCE"] !== "0") rows.push(...(await inferenceBench(root)));
    if (process.env["BENCH_SERVE"] !== "0") rows.push(...(await serveBench(root)));
    if (process.env["BENCH_CONVERT"] === "1") rows.push(...(await convertBench(root)));
    // Opt-in (minutes at 1 GiB): a cached runner against a cold one and against a pull (bench/remote-cache.ts).
    if (process.env["BENCH_REMOTE_CACHE"] === "1") rows.push(...(await remoteCacheBench(path.join(root, "remote-cache"), mib)));
    if (process.env["BENCH_RUNNER"] === "1") rows.push(...(await runnerBench(root)));
    process.stdout.write(`${benchTable(rows)}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
