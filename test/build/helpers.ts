import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { runCli, type CliResult } from "../helpers/cli.js";
import { fromRoot } from "../helpers/paths.js";

/** A fresh directory, removed after the test (read-only blobs included). */
export function tempDir(t: TestContext, prefix = "modelsmith-build-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A copy of test/fixtures/build/<name> in a temp directory. */
export function fixtureCopy(t: TestContext, name: string): string {
  const dir = tempDir(t);
  cpSync(fromRoot("test/fixtures/build", name), dir, { recursive: true });
  return dir;
}

/** Runs modelsmith with MODELSMITH_HOME set to `home`. */
export function ms(args: string[], home: string, cwd?: string): Promise<CliResult> {
  return runCli(args, { env: { MODELSMITH_HOME: home }, ...(cwd ? { cwd } : {}) });
}

/** The JSON document a --json run printed. */
export function json<T = Record<string, unknown>>(r: CliResult): T {
  return JSON.parse(r.stdout) as T;
}

export interface BuiltJson {
  ok: boolean;
  lockWritten: boolean;
  stepsRun: number;
  models: { model: string; tag: string; name: string; inputs: string; manifest: string }[];
}

/** The manifest file of `model:tag` in a store. */
export function manifestOf(home: string, model: string, tag: string): { text: string; layers: { mediaType: string; digest: string; size: number }[] } {
  const text = readFileSync(path.join(home, "manifests", "registry.ollama.ai", "library", model, tag), "utf8");
  return { text, layers: (JSON.parse(text) as { layers: { mediaType: string; digest: string; size: number }[] }).layers };
}

export function blobPath(home: string, digest: string): string {
  return path.join(home, "blobs", digest.replace(":", "-"));
}
