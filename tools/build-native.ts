/**
 * `npm run build`'s last step: compiles into dist/src/runtime/native/, against
 * the llama.h and ggml headers of the llama.cpp source node-llama-cpp bundles
 * (read with git, tools/llama-source.ts):
 *
 * - src/runtime/native/threadpool.c, with `$CC` (else `cc`): the thread pool
 *   per llama.cpp context (docs/decisions.md, "A thread pool per context");
 * - src/runtime/native/on-thread.cc, with `$CXX` (else `c++`), also against
 *   node's N-API headers (beside the node binary), node-addon-api's and
 *   node-llama-cpp's own addon headers: decodes and samples on a runner's
 *   JavaScript thread (docs/decisions.md, "Decodes on the runner's own thread");
 * - src/runtime/native/fdpass.c, with `$CC`, against node's N-API headers
 *   only: passes a client's connection from serve to a runner
 *   (docs/decisions.md, "A runner writes its stream to the client itself").
 *
 * Each file name carries node-llama-cpp's version, so a library compiled for
 * other headers is never loaded (src/runtime/threadpool.ts, on-thread.ts).
 * Never fails the build: without a compiler, git or a header, it says why and
 * modelsmith runs without that library, as before. Skipped off Linux (the
 * libraries rely on ELF symbol interposition and dladdr).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { nodeHeaderDir, onThreadFile } from "../src/runtime/on-thread.js";
import { shimFile } from "../src/runtime/threadpool.js";
import { fdpassFile } from "../src/serve/runner/fdpass.js";
import { extractHeaders } from "./llama-source.js";
import { fromRoot } from "./paths.js";

/** What compiles one library: its source, output, compiler (env variable and default) and arguments besides -o (the source among them), or why it cannot. */
interface Library {
  source: string;
  out: string;
  compiler: { env: string; fallback: string };
  args(headers: string, source: string): string[] | string;
  /** Whether it needs no llama.cpp header (`headers` is then an empty directory). */
  standalone?: boolean;
}

function build(lib: Library): string {
  if (process.platform !== "linux") return `skipped on ${process.platform}`;
  const { out, source } = lib;
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(source).mtimeMs) return `up to date: ${path.relative(fromRoot("."), out)}`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "modelsmith-native-"));
  try {
    if (!lib.standalone && !extractHeaders(work)) return "not built: git cannot read the llama.cpp source node-llama-cpp bundles";
    const args = lib.args(work, source);
    if (typeof args === "string") return `not built: ${args}`;
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    const cc = process.env[lib.compiler.env] || lib.compiler.fallback;
    try {
      execFileSync(cc, [...args, "-o", tmp], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (err) {
      const e = err as { code?: string; stderr?: Buffer };
      return e.code === "ENOENT" ? `not built: no compiler (${cc})` : `not built: ${cc} failed: ${String(e.stderr ?? err).trim().split("\n").slice(0, 5).join(" | ")}`;
    }
    fs.renameSync(tmp, out);
    return `built ${path.relative(fromRoot("."), out)}`;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const threadpool: Library = {
  source: fromRoot("src/runtime/native/threadpool.c"),
  out: shimFile(),
  compiler: { env: "CC", fallback: "cc" },
  args: (headers, source) => ["-std=gnu11", "-O2", "-fPIC", "-shared", "-Wall", "-Werror", "-I", headers, source, "-pthread", "-ldl"],
};

const onThread: Library = {
  source: fromRoot("src/runtime/native/on-thread.cc"),
  out: onThreadFile(),
  compiler: { env: "CXX", fallback: "c++" },
  args(headers, source) {
    const nodeHeaders = nodeHeaderDir();
    if (!nodeHeaders) return "node's N-API headers (include/node/node_api.h) are not installed beside the node binary";
    let addonApi: string;
    let addon: string;
    try {
      // node-llama-cpp's package root (its exports hide package.json), and node-addon-api as node-llama-cpp resolves it.
      const nodeLlamaCpp = path.resolve(path.dirname(fileURLToPath(import.meta.resolve("node-llama-cpp"))), "..");
      addon = path.join(nodeLlamaCpp, "llama", "addon");
      addonApi = path.dirname(createRequire(path.join(nodeLlamaCpp, "package.json")).resolve("node-addon-api"));
    } catch (err) {
      return `cannot find node-llama-cpp or node-addon-api: ${(err as Error).message}`;
    }
    if (!fs.existsSync(path.join(addon, "AddonContext.h"))) return `node-llama-cpp ships no addon headers (${addon})`;
    // NAPI_VERSION as node-llama-cpp compiles its addon (llama/CMakeLists.txt), so the shared classes have its layout.
    return ["-std=c++17", "-O2", "-fPIC", "-shared", "-Wall", "-Werror", "-DNAPI_VERSION=7", "-I", headers, "-I", nodeHeaders, "-I", addonApi, "-I", addon, source, "-ldl"];
  },
};

const fdpass: Library = {
  source: fromRoot("src/runtime/native/fdpass.c"),
  out: fdpassFile(),
  compiler: { env: "CC", fallback: "cc" },
  standalone: true,
  args(_headers, source) {
    const nodeHeaders = nodeHeaderDir();
    if (!nodeHeaders) return "node's N-API headers (include/node/node_api.h) are not installed beside the node binary";
    return ["-std=gnu11", "-O2", "-fPIC", "-shared", "-Wall", "-Werror", "-DNAPI_VERSION=7", "-I", nodeHeaders, source];
  },
};

console.log(`thread pool library: ${build(threadpool)}`);
console.log(`on-thread decode library: ${build(onThread)}`);
console.log(`connection passing library: ${build(fdpass)}`);
