/**
 * The examples bench (a row of the inference bench, so of `npm run bench`;
 * BENCH_EXAMPLES=0 skips it): the whole held suite of the test files the
 * templates ship (templates/<name>/, every file a project lists under
 * `tests:`), each template project built once (not counted), then
 * `modelsmith test --no-cache` over every project in turn, the CLI as a user
 * runs it, wall time summed over the projects.
 *
 * Baseline: the same suite with another checkout's CLI, named by
 * BENCH_EXAMPLES_BASE (the path of its bin/modelsmith.js, built), on the same
 * store: e.g. main before a change. The two alternate, best of
 * BENCH_EXAMPLES_REPS (3) each. Target: no slower, ratio (base / ours) >= 0.95,
 * the noise of two shared cores. Without a base the row gives the time alone.
 *
 * A base from a git revision (here main's):
 *
 *     git archive main | tar -x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/node_modules
 *     (cd /tmp/base && npx tsc -p tsconfig.json && node dist/tools/compile-schemas.js)
 *     BENCH_EXAMPLES_BASE=/tmp/base/bin/modelsmith.js node dist/bench/examples.js
 */
import { execa } from "execa";
import { cpSync, existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fromRoot } from "../tools/paths.js";
import type { BenchRow } from "./table.js";
import { log, nowS, runAlone, s } from "./util.js";


/** The template projects that ship test files, copied under `root`. */
function exampleProjects(root: string): string[] {
  const templates = fromRoot("templates");
  const dirs: string[] = [];
  for (const name of readdirSync(templates).sort()) {
    const src = path.join(templates, name);
    if (!existsSync(path.join(src, "modelsmith.yaml"))) continue;
    const dir = path.join(root, name);
    cpSync(src, dir, { recursive: true });
    dirs.push(dir);
  }
  return dirs;
}

async function cli(bin: string, args: string[], cwd: string, home: string) {
  return execa(process.execPath, [bin, ...args], { cwd, env: { ...process.env, MODELSMITH_HOME: home, CI: "1" }, input: "", reject: false });
}

/** `modelsmith test --no-cache --reporter json` over every project with `bin`: seconds, and cases run. Throws unless every case passed. */
async function suite(bin: string, dirs: readonly string[], home: string): Promise<{ seconds: number; cases: number }> {
  let seconds = 0;
  let cases = 0;
  for (const dir of dirs) {
    const t0 = nowS();
    const r = await cli(bin, ["test", "--no-cache", "--reporter", "json"], dir, home);
    seconds += nowS() - t0;
    if (r.exitCode !== 0) throw new Error(`examples bench: ${bin} test in ${path.basename(dir)} exited ${r.exitCode}:\n${r.stderr}`);
    cases += (JSON.parse(r.stdout) as { cases: unknown[] }).cases.length;
  }
  return { seconds, cases };
}

/** Runs the examples bench in `root` (a temp dir the caller removes); its row. */
export async function examplesBench(root: string): Promise<BenchRow[]> {
  const reps = Number(process.env["BENCH_EXAMPLES_REPS"] ?? 3);
  const base = process.env["BENCH_EXAMPLES_BASE"];
  const ours = fromRoot("bin/modelsmith.js");
  const home = path.join(root, "examples-store");
  const dirs = exampleProjects(path.join(root, "examples"));
  const t0 = nowS();
  for (const dir of dirs) {
    const r = await cli(ours, ["build", "--no-test"], dir, home);
    if (r.exitCode !== 0) throw new Error(`examples bench: build of ${path.basename(dir)} exited ${r.exitCode}:\n${r.stderr}`);
  }
  log(`examples: built ${dirs.length} template projects in ${s(nowS() - t0)} (not counted)`);
  let best = Infinity;
  let bestBase = Infinity;
  let cases = 0;
  for (let i = 0; i < reps; i++) {
    const o = await suite(ours, dirs, home);
    cases = o.cases;
    best = Math.min(best, o.seconds);
    if (base) {
      const b = await suite(base, dirs, home);
      if (b.cases !== o.cases) throw new Error(`examples bench: the base ran ${b.cases} cases, this checkout ${o.cases}`);
      bestBase = Math.min(bestBase, b.seconds);
      log(`examples: ${o.cases} cases: ${s(o.seconds)}, base ${s(b.seconds)}`);
    } else log(`examples: ${o.cases} cases: ${s(o.seconds)}`);
  }
  const measure = `template test suites, ${dirs.length} projects, ${cases} cases (--no-cache)`;
  if (!base) return [{ measure, ours: s(best), baseline: "- (set BENCH_EXAMPLES_BASE)", ratio: "-", target: "(reference)", ok: true }];
  const ratio = bestBase / best;
  return [{ measure, ours: s(best), baseline: `base ${s(bestBase)}`, ratio: ratio.toFixed(2), target: ">= 0.95 (no slower)", ok: ratio >= 0.95 }];
}

await runAlone(import.meta.url, "examples", examplesBench);
