/**
 * Which folder may import which: the shipped code (src/) imports nothing that
 * stays in the repository, and the benchmarks (bench/) and developer tools
 * (tools/) import nothing from test/, so that a test can move or go without
 * breaking `npm run bench`.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fromRoot, repoRoot } from "../helpers/paths.js";

/** Every .ts file under `dir` (relative to the repository root). */
function sources(dir: string): string[] {
  return readdirSync(fromRoot(dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(dir, f));
}

/** The top-level folder of each relative module specifier in `file`, as repository paths. */
function importedFolders(file: string): { spec: string; folder: string }[] {
  const text = readFileSync(fromRoot(file), "utf8");
  const specs = [...text.matchAll(/(?:^|\s)(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"|import\(\s*"(\.[^"]+)"\s*\)/gm)].map((m) => (m[1] ?? m[2])!);
  return specs.map((spec) => {
    const target = path.relative(repoRoot, path.resolve(path.dirname(fromRoot(file)), spec));
    return { spec, folder: target.split(path.sep)[0]! };
  });
}

function offending(dirs: string[], forbidden: string[]): string[] {
  return dirs.flatMap((d) => sources(d).flatMap((f) => importedFolders(f).filter((i) => forbidden.includes(i.folder)).map((i) => `${f}: ${i.spec}`)));
}

test("the import scan sees a file's relative imports", () => {
  const seen = importedFolders("bench/run.ts").map((i) => i.folder);
  assert.ok(seen.includes("src") && seen.includes("tools") && seen.includes("bench"), seen.join(" "));
});

test("bench/ and tools/ import nothing from test/", () => {
  assert.deepEqual(offending(["bench", "tools"], ["test"]), []);
});

test("src/ imports nothing from test/, bench/, tools/ or scripts/", () => {
  assert.deepEqual(offending(["src"], ["test", "bench", "tools", "scripts"]), []);
});
