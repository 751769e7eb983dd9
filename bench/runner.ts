/**
 * The runner's cost (issue 10 item 7: "the runner costs at most 5% of decode
 * speed against in-process"): the same stored model, the same settings and
 * prompt, generated with streaming (onToken, as `serve` streams) in this
 * process (openModel) and through a runner process (openInRunner: a child process and its socket),
 * interleaved A B B A … so that load from other work hits both alike; the
 * best of BENCH_RUNNER_REPS (default 4) each. Rows: decode tokens/s (the
 * runtime's eval count / eval duration as the client sees it: tokens arriving
 * over the time between the first and the last) and time to first token.
 *
 * The model: a random-weight F16 llama (BENCH_RUNNER_EMBD wide, default 768, a multiple of 64,
 * 8 layers, 16k vocabulary; about 150 MB), BENCH_RUNNER_TOKENS (default 128)
 * tokens per answer, BENCH_THREADS (default 2) threads.
 *
 * Alone: `npx tsc -p tsconfig.json && node dist/bench/runner.js`; in
 * `npm run bench` with BENCH_RUNNER=1.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildProject } from "../src/build/build.js";
import { openModel, type RuntimeModel } from "../src/runtime/index.js";
import { openInRunner } from "../src/serve/runner/runner-model.js";
import { writeTestModel } from "../src/testmodels/writeTestModel.js";
import type { BenchRow } from "./table.js";
import { log, positiveIntEnv, runAlone } from "./util.js";

const env = positiveIntEnv;

interface Sample {
  /** Tokens per second between the first and the last streamed piece. */
  decode: number;
  /** Seconds from the call to the first piece. */
  ttft: number;
  tokens: number;
}

async function sample(model: RuntimeModel, tokens: number): Promise<Sample> {
  const start = process.hrtime.bigint();
  let first: bigint | undefined;
  let last = start;
  let pieces = 0;
  await model.generate({
    prompt: "Once upon a time, in a land far away, there lived",
    options: { num_predict: tokens, temperature: 0, seed: 1 },
    onToken: () => {
      last = process.hrtime.bigint();
      first ??= last;
      pieces++;
    },
  });
  if (first === undefined || pieces < 2) throw new Error(`only ${pieces} pieces streamed: the bench needs a longer answer`);
  return { decode: (pieces - 1) / (Number(last - first) / 1e9), ttft: Number(first - start) / 1e9, tokens: pieces };
}

export async function runnerBench(root: string): Promise<BenchRow[]> {
  const threads = env("BENCH_THREADS", 2);
  const tokens = env("BENCH_RUNNER_TOKENS", 128);
  const reps = env("BENCH_RUNNER_REPS", 4);
  const nEmbd = env("BENCH_RUNNER_EMBD", 768);
  const home = path.join(root, "runner-store");
  const dir = path.join(root, "runner-project");
  mkdirSync(dir, { recursive: true });
  await writeTestModel(path.join(dir, "model.gguf"), {
    kind: "random", nEmbd, nLayer: 8, nHead: nEmbd / 64, nHeadKv: nEmbd / 64, nFf: nEmbd * 2, vocabSize: 16000, contextLength: 2048, seed: 7, tensorType: "F16", name: "runner-bench",
  });
  writeFileSync(path.join(dir, "modelsmith.yaml"), "models:\n  runnerbench:\n    modelfile: Modelfile\n");
  writeFileSync(path.join(dir, "Modelfile"), "FROM ./model.gguf\nPARAMETER temperature 0\nPARAMETER num_ctx 1024\n");
  log("runner: model written, building");
  await buildProject({ dir, storeRoot: home, home: tmpdir(), display: (abs) => abs, sources: new Map() });

  const settings = { parallel: 1, threads, gpu: false as const };
  const inProcess = await openModel(home, "runnerbench", settings);
  const runner = await openInRunner(home, "runnerbench", settings);
  log("runner: loaded in process and in a runner");
  const ours: Sample[] = [];
  const base: Sample[] = [];
  try {
    // One warm-up each (first evaluation, page cache), then interleaved.
    await sample(inProcess, 8);
    await sample(runner, 8);
    for (let i = 0; i < reps; i++) {
      if (i % 2 === 0) {
        base.push(await sample(inProcess, tokens));
        ours.push(await sample(runner, tokens));
      } else {
        ours.push(await sample(runner, tokens));
        base.push(await sample(inProcess, tokens));
      }
    }
  } finally {
    await runner.close();
    await inProcess.close();
  }
  const best = (xs: Sample[]) => ({ decode: Math.max(...xs.map((x) => x.decode)), ttft: Math.min(...xs.map((x) => x.ttft)), tokens: xs[0]!.tokens });
  const [o, b] = [best(ours), best(base)];
  log(`runner: in-process ${base.map((x) => `${x.decode.toFixed(1)} t/s ttft ${(x.ttft * 1000).toFixed(0)} ms`).join("; ")}`);
  log(`runner: runner     ${ours.map((x) => `${x.decode.toFixed(1)} t/s ttft ${(x.ttft * 1000).toFixed(0)} ms`).join("; ")}`);
  const ratio = o.decode / b.decode;
  return [
    {
      measure: `serve decode through a runner, ${threads} threads, ${o.tokens} tokens`,
      ours: `${o.decode.toFixed(1)} tokens/s`,
      baseline: `in process ${b.decode.toFixed(1)} tokens/s`,
      ratio: ratio.toFixed(3),
      target: ">= 0.95",
      ok: ratio >= 0.95,
    },
    {
      measure: "serve time to first token through a runner",
      ours: `${(o.ttft * 1000).toFixed(0)} ms`,
      baseline: `in process ${(b.ttft * 1000).toFixed(0)} ms`,
      ratio: (o.ttft / b.ttft).toFixed(3),
      target: "(reference)",
      ok: true,
    },
  ];
}

await runAlone(import.meta.url, "runner", runnerBench);
