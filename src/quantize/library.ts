import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where libllama comes from: the CPU build in node-llama-cpp's prebuilt
 * platform package (@node-llama-cpp/<platform>-<arch>), beside its libggml*.
 *
 * The FFI declares `llama_model_quantize_params` field by field as the
 * llama.h of one llama.cpp version has it, so only the library of the
 * node-llama-cpp version it was written against may be called:
 * `PINNED_NODE_LLAMA_CPP`. Any other version is refused (the caller falls back
 * to `llama-quantize`), since a shifted field would quantize wrongly or crash.
 */
export const PINNED_NODE_LLAMA_CPP = "3.21.1";
/** The llama.cpp release that node-llama-cpp 3.21.1 bundles (llama/llama.cpp.info.json). */
export const PINNED_LLAMA_CPP_RELEASE = "v0.4.0";

export interface LibllamaLocation {
  /** Absolute path of the libllama shared library. */
  path: string;
  /** The npm package that ships it and its version. */
  packageName: string;
  packageVersion: string;
}

/** The prebuilt package names node-llama-cpp uses for CPU builds on this platform, best first. */
export function prebuiltPackageNames(platform: string = process.platform, arch: string = process.arch): string[] {
  if (platform === "linux") return [`@node-llama-cpp/linux-${arch}`];
  if (platform === "darwin") return arch === "arm64" ? ["@node-llama-cpp/mac-arm64-metal"] : [`@node-llama-cpp/mac-${arch}`];
  if (platform === "win32") return [`@node-llama-cpp/win-${arch}`];
  return [];
}

const LIBRARY_FILE = /^(lib)?llama(\.v[\d.]+)?\.(so|dylib|dll)$/;

/**
 * Finds the pinned libllama, or says why there is none (a sentence, for the
 * MS5507 message when no `llama-quantize` is on PATH either).
 */
export function findLibllama(): LibllamaLocation | { reason: string } {
  const reasons: string[] = [];
  for (const name of prebuiltPackageNames()) {
    let entry: string;
    try {
      entry = fileURLToPath(import.meta.resolve(name));
    } catch {
      reasons.push(`${name} is not installed`);
      continue;
    }
    const root = path.resolve(path.dirname(entry), "..");
    const version = readVersion(path.join(root, "package.json"));
    if (version !== PINNED_NODE_LLAMA_CPP) {
      reasons.push(`${name} is version ${version ?? "unknown"}, the quantizer is built for ${PINNED_NODE_LLAMA_CPP}`);
      continue;
    }
    const found = findInBins(path.join(root, "bins"));
    if (found) return { path: found, packageName: name, packageVersion: version };
    reasons.push(`${name} has no libllama in ${path.join(root, "bins")}`);
  }
  if (reasons.length === 0) reasons.push(`node-llama-cpp ships no prebuilt library for ${process.platform}-${process.arch}`);
  return { reason: reasons.join("; ") };
}

/** node-llama-cpp's own version, from the package.json above its entry point; undefined when it cannot be read. */
export function nodeLlamaCppVersion(): string | undefined {
  try {
    return readVersion(path.resolve(path.dirname(fileURLToPath(import.meta.resolve("node-llama-cpp"))), "..", "package.json"));
  } catch {
    return undefined;
  }
}

function readVersion(file: string): string | undefined {
  try {
    const v = (JSON.parse(fs.readFileSync(file, "utf8")) as { version?: unknown }).version;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

function findInBins(bins: string): string | undefined {
  let dirs: string[];
  try {
    dirs = fs.readdirSync(bins).sort();
  } catch {
    return undefined;
  }
  for (const dir of dirs) {
    let files: string[];
    try {
      files = fs.readdirSync(path.join(bins, dir)).sort();
    } catch {
      continue;
    }
    const lib = files.find((f) => LIBRARY_FILE.test(f));
    if (lib) return path.join(bins, dir, lib);
  }
  return undefined;
}
