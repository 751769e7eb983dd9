import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fromRoot } from "./paths.js";

/**
 * Files of the llama.cpp source that node-llama-cpp bundles
 * (node_modules/node-llama-cpp/llama/gitRelease.bundle), read with git. The
 * bare clone is cached under the OS temp dir per commit, so the tests read
 * the very headers the prebuilt library was compiled from. Undefined when git
 * is missing (tests that need it then skip).
 */
const BUNDLE = fromRoot("node_modules/node-llama-cpp/llama/gitRelease.bundle");

let gitDir: string | null | undefined;

function cloneOnce(): string | null {
  if (gitDir !== undefined) return gitDir;
  try {
    const head = execFileSync("git", ["bundle", "list-heads", BUNDLE], { encoding: "utf8" }).split(" ")[0]!.trim();
    const dir = path.join(os.tmpdir(), `modelsmith-llama.cpp-${head}.git`);
    if (!fs.existsSync(path.join(dir, "HEAD"))) {
      const tmp = `${dir}.${process.pid}.tmp`;
      execFileSync("git", ["clone", "--quiet", "--bare", BUNDLE, tmp], { stdio: "ignore" });
      try {
        fs.renameSync(tmp, dir);
      } catch {
        fs.rmSync(tmp, { recursive: true, force: true }); // another test process won the race
      }
    }
    gitDir = dir;
  } catch {
    gitDir = null;
  }
  return gitDir;
}

/** Extracts folders of the source into `dir` (git archive | tar); false without git. */
export function extractSource(dir: string, folders: string[]): boolean {
  const git = cloneOnce();
  if (git === null) return false;
  const archive = execFileSync("git", ["--git-dir", git, "archive", "--format=tar", "HEAD", ...folders], { maxBuffer: 256 << 20 });
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  return true;
}

export function llamaSource(file: string): string | undefined {
  const dir = cloneOnce();
  if (dir === null) return undefined;
  return execFileSync("git", ["--git-dir", dir, "show", `HEAD:${file}`], { encoding: "utf8", maxBuffer: 64 << 20 });
}

/** Writes the headers llama.h needs into `dir` (for compiling a probe). */
export function extractHeaders(dir: string): boolean {
  for (const f of ["include/llama.h", "ggml/include/ggml.h", "ggml/include/ggml-cpu.h", "ggml/include/ggml-backend.h", "ggml/include/ggml-alloc.h", "ggml/include/ggml-opt.h", "ggml/include/gguf.h"]) {
    const text = llamaSource(f);
    if (text === undefined) return false;
    fs.writeFileSync(path.join(dir, path.basename(f)), text);
  }
  return true;
}
