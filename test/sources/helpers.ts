import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { oracleContinuation, writeTestModel, type OracleLlamaSpec } from "../../src/testmodels/index.js";
import { runCli, tempProject, type CliResult } from "../helpers/cli.js";

/** The bytes of a generated oracle model. */
export async function oracleBytes(spec: OracleLlamaSpec = {}): Promise<Buffer> {
  const dir = mkdtempSync(path.join(tmpdir(), "modelsmith-oracle-"));
  try {
    await writeTestModel(path.join(dir, "o.gguf"), { kind: "oracle", ...spec });
    return readFileSync(path.join(dir, "o.gguf"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What `run m "The quick brown"` prints for an oracle of that spec, under the project's Modelfile. */
export const expectedText = (spec: OracleLlamaSpec = {}) => `${oracleContinuation(spec, "The quick brown", 6).rawText}\n`;

/** A project with one model `m` built FROM `from`, greedy and 6 tokens long; removed after the test. */
export function project(t: TestContext, from: string): { dir: string; home: string } {
  const dir = tempProject({
    "modelsmith.yaml": "models:\n  m:\n    modelfile: Modelfile\n",
    Modelfile: `FROM ${from}\nTEMPLATE "{{ .Prompt }}"\nPARAMETER temperature 0\nPARAMETER num_predict 6\nPARAMETER num_ctx 256\nPARAMETER num_thread 1\n`,
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, home: path.join(dir, ".home") };
}

/** Runs modelsmith with a store at `home` and the extra environment (HF_ENDPOINT, HF_TOKEN). */
export function ms(args: string[], home: string, env: Record<string, string> = {}): Promise<CliResult> {
  // stdin is empty: `run` reads piped stdin to its end.
  return runCli(args, { env: { MODELSMITH_HOME: home, ...env }, input: "" });
}

/** The blob digests in a store (`sha256:<hex>`). */
export function blobs(home: string): string[] {
  const dir = path.join(home, "blobs");
  return existsSync(dir) ? readdirSync(dir).map((n) => n.replace("sha256-", "sha256:")) : [];
}

/** The files under a store's manifests/ (none when nothing was built). */
export function manifests(home: string): string[] {
  const dir = path.join(home, "manifests");
  return existsSync(dir) ? (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[]).filter((e) => e.isFile()).map((e) => e.name) : [];
}

/** The entries left in a store's tmp/. */
export function tmpFiles(home: string): string[] {
  const dir = path.join(home, "tmp");
  return existsSync(dir) ? readdirSync(dir) : [];
}
