import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findLibllama } from "../src/quantize/library.js";
import { extractSource } from "./llama-source.js";

export interface LlamaTool {
  /** Binary name, e.g. "llama-quantize". */
  name: string;
  /** Its folder in the llama.cpp tree, e.g. "tools/quantize"; every `.cpp` there is compiled. */
  dir: string;
  /** g++ optimisation flags for the tool's own code (the kernels are in the prebuilt libraries). */
  optimize: string[];
  /** Link the runtime-loaded CPU backends (libggml-cpu-*.so) beside the binary, where ggml looks for them. */
  cpuBackendsBeside?: boolean;
}

/**
 * A llama.cpp tool compiled from the llama.cpp source that node-llama-cpp
 * bundles, against the prebuilt libllama, libllama-common and libggml it
 * ships: the same kernels modelsmith runs, so a comparison measures modelsmith,
 * not another build. Takes a few seconds; cached under the OS temp dir.
 * Undefined when g++, git or tar is missing or the build fails.
 */
export function buildLlamaTool(tool: LlamaTool): string | undefined {
  const lib = findLibllama();
  if (!("path" in lib)) return undefined;
  const bins = path.dirname(lib.path);
  const home = path.join(os.tmpdir(), `modelsmith-${tool.name}-${lib.packageName.replace("/", "+")}-${lib.packageVersion}`);
  const exe = path.join(home, tool.name);
  if (fs.existsSync(exe)) return exe;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `modelsmith-${tool.name}-build-`));
  try {
    const includes = ["include", "ggml/include", "common", "vendor"];
    if (!extractSource(work, [...includes, tool.dir])) return undefined;
    const libs = fs.readdirSync(bins).filter((f) => /^lib(llama|llama-common|ggml|ggml-base)(\.v[\d.]+)?\.so$/.test(f)).map((f) => path.join(bins, f));
    const sources = fs.readdirSync(path.join(work, tool.dir)).filter((f) => f.endsWith(".cpp")).sort().map((f) => path.join(work, tool.dir, f));
    const out = path.join(work, tool.name);
    execFileSync("g++", ["-std=c++17", ...tool.optimize, "-w", ...includes.flatMap((d) => ["-I", path.join(work, d)]), ...sources, "-o", out, ...libs, `-Wl,-rpath,${bins}`], { stdio: "ignore" });
    fs.mkdirSync(home, { recursive: true });
    if (tool.cpuBackendsBeside) {
      for (const f of fs.readdirSync(bins).filter((f) => /^libggml-cpu.*\.so$/.test(f))) {
        fs.rmSync(path.join(home, f), { force: true });
        fs.symlinkSync(path.join(bins, f), path.join(home, f));
      }
    }
    fs.renameSync(out, exe);
    return exe;
  } catch {
    return fs.existsSync(exe) ? exe : undefined;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
