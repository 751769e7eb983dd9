import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { runCli, type CliResult } from "../helpers/cli.js";

/**
 * Helpers of the robustness tests: a project in a temp dir, the CLI with
 * MODELSMITH_HOME pointing at a temp store, and byte surgery on blobs.
 */

/** A fresh directory removed after the test (read-only blobs included). */
export function tempDir(t: TestContext, prefix = "modelsmith-robust-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A project in `<dir>/project` from `files` (path -> text), and an empty store path `<dir>/home`. */
export function project(t: TestContext, files: Record<string, string>): { dir: string; home: string } {
  const root = tempDir(t);
  const dir = path.join(root, "project");
  for (const [name, text] of Object.entries(files)) {
    const p = path.join(dir, name);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return { dir, home: path.join(root, "home") };
}

/** `modelsmith <args>` against the store `home`, in `cwd`. */
export function ms(home: string, cwd: string, ...args: string[]): Promise<CliResult> {
  return runCli(args, { env: { MODELSMITH_HOME: home }, cwd });
}

export interface BuildDoc {
  ok: boolean;
  lockWritten: boolean;
  stepsRun: number;
  models: { model: string; tag: string; name: string; inputs: string; manifest: string }[];
}

export function buildDoc(r: CliResult): BuildDoc {
  return JSON.parse(r.stdout) as BuildDoc;
}

export interface Layer {
  mediaType: string;
  digest: string;
  size: number;
}

/** The manifest of `model:tag` (library namespace) in the store at `home`. */
export function manifest(home: string, model: string, tag = "latest"): { config: Layer; layers: Layer[] } {
  return JSON.parse(readFileSync(path.join(home, "manifests", "registry.ollama.ai", "library", model, tag), "utf8")) as { config: Layer; layers: Layer[] };
}

/** The model (GGUF) layer of `model:tag`. */
export function modelLayer(home: string, model: string, tag = "latest"): Layer {
  return manifest(home, model, tag).layers.find((l) => l.mediaType === "application/vnd.ollama.image.model")!;
}

export function blobFile(home: string, digest: string): string {
  return path.join(home, "blobs", digest.replace(":", "-"));
}

/** Blob file names in the store, sorted. */
export function blobNames(home: string): string[] {
  return readdirSync(path.join(home, "blobs")).sort();
}

/** Flips one bit of the byte at `offset` (from the end when negative) in place, as a disk fault would; returns the new sha256. */
export function flipByte(file: string, offset: number): string {
  chmodSync(file, 0o644);
  const bytes = readFileSync(file);
  bytes[offset < 0 ? bytes.length + offset : offset]! ^= 0x01;
  writeFileSync(file, bytes);
  chmodSync(file, 0o444);
  return sha256(bytes);
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** stderr lines that are not verify's per-blob `ok …` progress. */
export function problemLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l !== "" && !l.startsWith("ok "));
}

/**
 * A build's stderr with step and activity timings blanked (`done in …`,
 * `done, …`) and progress lines (`… N/M tensors`, `…  40% …`, timing-dependent) dropped.
 */
export function buildLog(stderr: string): string {
  return stderr
    .split("\n")
    .filter((l) => !/: \d+\/\d+ tensors$/.test(l) && !/: +\d+% /.test(l))
    .map((l) => l.replace(/: done in \d+\.\d+s$/, ": done in …").replace(/: done, .+$/, ": done, …"))
    .join("\n");
}
