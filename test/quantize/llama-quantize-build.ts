import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findLibllama } from "../../src/quantize/library.js";
import { extractSource } from "./llama-source.js";

/**
 * A real `llama-quantize`, for testing the fallback: compiled from the
 * bundled llama.cpp's tools/quantize (quantize.cpp + main.cpp) against the
 * prebuilt libllama, libllama-common and libggml that node-llama-cpp ships
 * (about a second with -O0). Cached under the OS temp dir. Undefined when g++,
 * git or tar is missing.
 */
export function buildLlamaQuantize(): string | undefined {
  const lib = findLibllama();
  if (!("path" in lib)) return undefined;
  const bins = path.dirname(lib.path);
  const exe = path.join(os.tmpdir(), `modelsmith-llama-quantize-${lib.packageName.replace("/", "+")}-${lib.packageVersion}`, "llama-quantize");
  if (fs.existsSync(exe)) return exe;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "modelsmith-llama-quantize-build-"));
  try {
    if (!extractSource(work, ["include", "ggml/include", "common", "vendor", "tools/quantize"])) return undefined;
    const libs = fs.readdirSync(bins).filter((f) => /^lib(llama|llama-common|ggml|ggml-base)(\.v[\d.]+)?\.so$/.test(f)).map((f) => path.join(bins, f));
    const out = path.join(work, "llama-quantize");
    execFileSync(
      "g++",
      ["-std=c++17", "-O0", "-w", ...["include", "ggml/include", "common", "vendor"].flatMap((d) => ["-I", path.join(work, d)]),
        path.join(work, "tools/quantize/quantize.cpp"), path.join(work, "tools/quantize/main.cpp"), "-o", out, ...libs, `-Wl,-rpath,${bins}`],
      { stdio: "ignore" },
    );
    fs.mkdirSync(path.dirname(exe), { recursive: true });
    fs.renameSync(out, exe);
    return exe;
  } catch {
    return fs.existsSync(exe) ? exe : undefined;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
