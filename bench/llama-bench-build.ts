import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findLibllama } from "../src/quantize/library.js";
import { extractSource } from "../test/quantize/llama-source.js";

/**
 * llama.cpp's own `llama-bench`, compiled from the llama.cpp source that
 * node-llama-cpp bundles (tools/llama-bench) against the prebuilt libllama,
 * libllama-common and libggml it ships, as test/quantize/llama-quantize-build.ts
 * builds llama-quantize: the same kernels modelsmith runs, so a ratio measures
 * modelsmith's overhead, not a different build. The CPU backends
 * (libggml-cpu-*.so, loaded at run time) are linked beside the binary, where
 * ggml looks for them. Cached under the OS temp dir; undefined when g++, git
 * or tar is missing or the build fails.
 */
export function buildLlamaBench(): string | undefined {
  const lib = findLibllama();
  if (!("path" in lib)) return undefined;
  const bins = path.dirname(lib.path);
  const home = path.join(os.tmpdir(), `modelsmith-llama-bench-${lib.packageName.replace("/", "+")}-${lib.packageVersion}`);
  const exe = path.join(home, "llama-bench");
  if (fs.existsSync(exe)) return exe;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "modelsmith-llama-bench-build-"));
  try {
    if (!extractSource(work, ["include", "ggml/include", "common", "vendor", "tools/llama-bench"])) return undefined;
    const libs = fs.readdirSync(bins).filter((f) => /^lib(llama|llama-common|ggml|ggml-base)(\.v[\d.]+)?\.so$/.test(f)).map((f) => path.join(bins, f));
    const out = path.join(work, "llama-bench");
    execFileSync(
      "g++",
      ["-std=c++17", "-O1", "-DNDEBUG", "-w", ...["include", "ggml/include", "common", "vendor"].flatMap((d) => ["-I", path.join(work, d)]),
        path.join(work, "tools/llama-bench/llama-bench.cpp"), path.join(work, "tools/llama-bench/main.cpp"), "-o", out, ...libs, `-Wl,-rpath,${bins}`],
      { stdio: "ignore" },
    );
    fs.mkdirSync(home, { recursive: true });
    for (const f of fs.readdirSync(bins).filter((f) => /^libggml-cpu.*\.so$/.test(f))) {
      fs.rmSync(path.join(home, f), { force: true });
      fs.symlinkSync(path.join(bins, f), path.join(home, f));
    }
    fs.renameSync(out, exe);
    return exe;
  } catch {
    return fs.existsSync(exe) ? exe : undefined;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
