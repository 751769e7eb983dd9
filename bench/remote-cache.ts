/**
 * The remote build cache at size (issue 13), against a real `docker-registry`
 * on 127.0.0.1: a project `FROM oci://<registry>/bench/base:1` (a generated
 * F16 llama of BENCH_SIZE_MIB MiB, pushed there) quantized to Q4_K_M.
 *
 * - cold runner (empty store, no cache: pulls the base, quantizes) / cached
 *   runner (empty store, `--cache-from`: fetches the Q4_K_M entry, never the
 *   base) — target ≥ 10;
 * - cached runner / `modelsmith pull` of the same built model (the same
 *   bytes, pushed as a model) into an empty store — target ≤ 1.2.
 *
 * Opt-in in `npm run bench` (BENCH_REMOTE_CACHE=1: at 1 GiB it quantizes for
 * minutes); on its own: `npm run build && node dist/bench/remote-cache.js`.
 */
import { execFile, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { writeTestModel } from "../src/testmodels/writeTestModel.js";
import { fromRoot } from "../tools/paths.js";
import { benchShape } from "./shape.js";
import { benchTable, type BenchRow } from "./table.js";
import { log, s } from "./util.js";

const run = promisify(execFile);

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

function ms(cwd: string, home: string, ...args: string[]): Promise<{ stdout: string }> {
  return run(process.execPath, [fromRoot("bin/modelsmith.js"), ...args], { cwd, env: { ...process.env, MODELSMITH_HOME: home, CI: "1" }, maxBuffer: 64 << 20 });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs the bench in `root` (a temp dir the caller removes) on a generated model of `mib` MiB; its rows. */
export async function remoteCacheBench(root: string, mib: number): Promise<BenchRow[]> {
  mkdirSync(root, { recursive: true });
  const port = await freePort();
  const storage = path.join(root, "registry");
  mkdirSync(storage, { recursive: true });
  writeFileSync(path.join(root, "registry.yml"), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const registry = spawn("docker-registry", ["serve", path.join(root, "registry.yml")], { stdio: "ignore" });
  try {
    for (let i = 0; ; i++) {
      if ((await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status, () => 0)) === 200) break;
      if (i > 100) throw new Error("docker-registry did not start");
      await new Promise((r) => setTimeout(r, 50));
    }
    const host = `127.0.0.1:${port}`;
    // The base, in the registry (not timed).
    const seed = path.join(root, "seed");
    mkdirSync(seed);
    await writeTestModel(path.join(seed, "model.gguf"), { kind: "random", name: "random", seed: 1, tensorType: "F16", ...benchShape(mib) });
    writeFileSync(path.join(seed, "modelsmith.yaml"), "models:\n  base:\n    modelfile: Modelfile\n");
    writeFileSync(path.join(seed, "Modelfile"), "FROM ./model.gguf\n");
    await ms(seed, path.join(root, "seed-store"), "build");
    await ms(seed, path.join(root, "seed-store"), "push", "base", `oci://${host}/bench/base:1`);
    const size = statSync(path.join(seed, "model.gguf")).size;
    log(`remote cache bench: ${(size / 2 ** 20).toFixed(1)} MiB F16 base pushed to ${host}/bench/base:1`);

    const project = (name: string) => {
      const dir = path.join(root, name);
      mkdirSync(dir);
      writeFileSync(path.join(dir, "modelsmith.yaml"), "models:\n  bench:\n    modelfile: Modelfile\n    quantize: Q4_K_M\n");
      writeFileSync(path.join(dir, "Modelfile"), `FROM oci://${host}/bench/base:1\nSYSTEM You are a benchmark.\n`);
      return dir;
    };
    const cache = `oci://${host}/bench/cache`;
    // Cold: an empty store, no cache.
    const cold = project("cold");
    const coldS = await seconds(() => ms(cold, path.join(root, "cold-store"), "build", "-j", "1"));
    // Fill the cache from a runner that has the result (not timed), and push the built model for the pull baseline.
    await ms(cold, path.join(root, "cold-store"), "build", "--cache-to", cache);
    await ms(cold, path.join(root, "cold-store"), "push", "bench:q4_k_m", `oci://${host}/bench/q4:1`);
    // Cached: an empty store, a fresh copy of the project with its models.lock.
    const cached = project("cached");
    copyFileSync(path.join(cold, "models.lock"), path.join(cached, "models.lock"));
    let steps = "";
    const cachedS = await seconds(async () => {
      steps = (await ms(cached, path.join(root, "cached-store"), "build", "--json", "--cache-from", cache)).stdout;
    });
    const sources = (JSON.parse(steps) as { steps: { source: string }[] }).steps.map((x) => x.source);
    const same = readFileSync(path.join(cold, "models.lock"), "utf8") === readFileSync(path.join(cached, "models.lock"), "utf8");
    // Pull of the same bytes into an empty store.
    const pullS = await seconds(() => ms(root, path.join(root, "pull-store"), "pull", `oci://${host}/bench/q4:1`));
    log(`cold ${s(coldS)}; cached ${s(cachedS)} (steps: ${sources.join(", ")}; lock ${same ? "identical" : "DIFFERS"}); pull ${s(pullS)}`);
    const label = `${(size / 2 ** 20).toFixed(0)} MiB F16 -> Q4_K_M`;
    return [
      { measure: `remote cache: cached runner, ${label}`, ours: s(cachedS), baseline: `cold runner ${s(coldS)}`, ratio: (coldS / cachedS).toFixed(1), target: ">= 10x faster", ok: coldS / cachedS >= 10 && same && sources.every((x) => x === "remote") },
      { measure: "remote cache: cached runner vs pull", ours: s(cachedS), baseline: `pull ${s(pullS)}`, ratio: (cachedS / pullS).toFixed(2), target: "<= 1.2", ok: cachedS / pullS <= 1.2 },
    ];
  } finally {
    registry.kill("SIGTERM");
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fromRoot("dist/bench/remote-cache.js")) {
  const root = mkdtempSync(path.join(tmpdir(), "modelsmith-bench-cache-"));
  try {
    const rows = await remoteCacheBench(root, Number(process.env["BENCH_SIZE_MIB"] ?? 1024));
    process.stdout.write(`${benchTable(rows)}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
