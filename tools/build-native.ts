/**
 * `npm run build`'s last step: compiles src/runtime/native/threadpool.c (the
 * thread pool per llama.cpp context, docs/decisions.md "A thread pool per
 * context") into dist/src/runtime/native/, against the llama.h and ggml
 * headers of the llama.cpp source node-llama-cpp bundles (read with git,
 * tools/llama-source.ts). The file name carries node-llama-cpp's version, so a
 * library compiled for other headers is never loaded (src/runtime/threadpool.ts).
 *
 * Never fails the build: without a C compiler (`$CC`, else `cc`) or git, it
 * says why and modelsmith runs without the pool, as before. Skipped off Linux
 * (the library relies on ELF symbol interposition).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { shimFile } from "../src/runtime/threadpool.js";
import { extractHeaders } from "./llama-source.js";
import { fromRoot } from "./paths.js";

function build(): string {
  if (process.platform !== "linux") return `skipped on ${process.platform}`;
  const out = shimFile();
  const source = fromRoot("src/runtime/native/threadpool.c");
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(source).mtimeMs) return `up to date: ${path.relative(fromRoot("."), out)}`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "modelsmith-native-"));
  try {
    if (!extractHeaders(work)) return "not built: git cannot read the llama.cpp source node-llama-cpp bundles";
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    const cc = process.env["CC"] || "cc";
    try {
      execFileSync(cc, ["-std=gnu11", "-O2", "-fPIC", "-shared", "-Wall", "-Werror", "-I", work, source, "-o", tmp, "-pthread", "-ldl"], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (err) {
      const e = err as { code?: string; stderr?: Buffer };
      return e.code === "ENOENT" ? `not built: no C compiler (${cc})` : `not built: ${cc} failed: ${String(e.stderr ?? err).trim().split("\n").slice(0, 5).join(" | ")}`;
    }
    fs.renameSync(tmp, out);
    return `built ${path.relative(fromRoot("."), out)}`;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

console.log(`thread pool library: ${build()}`);
