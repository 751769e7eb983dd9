import { defineCodes } from "../diagnostics/registry.js";

/**
 * Diagnostics of models.lock: MS4150–MS4199. YAML syntax and shape problems use
 * the project file's codes (MS4001 invalid YAML, MS4002 unknown key, MS4003
 * missing key, MS4004 wrong type, MS4005 invalid model name), since the lock is
 * read by the same YAML and schema machinery.
 */
export const LOCK_CODES = defineCodes({
  MS4150: {
    title: "unsupported models.lock version",
    example: "version: 2",
    fix: "This modelsmith reads and writes `version: 1`; upgrade modelsmith, or regenerate the lock with `modelsmith lock`.",
  },
  MS4151: {
    title: "invalid reference key in models.lock",
    example: "references:\n  llama3:8b:\n    locator: …",
    fix: "Keys under `references:` are canonical references (`ollama://registry.ollama.ai/library/llama3:8b`); regenerate the lock with `modelsmith lock`.",
  },
  MS4152: {
    title: "invalid locator in models.lock",
    example: "references:\n  hf://org/repo/m.gguf@main:\n    locator: hf://org/repo/m.gguf@main",
    fix: "A locator is an immutable reference of the same kind as its key: a registry reference pinned by manifest digest, a Hugging Face file at a 40-hex commit; regenerate the lock with `modelsmith lock`.",
  },
  MS4153: {
    title: "invalid variant tag in models.lock",
    example: "models:\n  chat:\n    q4 k m:\n      inputs: …",
    fix: "Variant tags are letters, digits, `_`, `.` and `-`; regenerate the lock with `modelsmith lock`.",
  },
  MS4154: {
    title: "models.lock is stale",
    example: "modelsmith build --frozen   # after changing a FROM line",
    fix: "Run `modelsmith lock` (or `modelsmith build` without --frozen) and commit the new models.lock; each message names what moved.",
  },
  MS4155: {
    title: "no models.lock",
    example: "modelsmith build --frozen   # in a project without models.lock",
    fix: "Run `modelsmith lock` and commit models.lock; --frozen and `lock --check` need one.",
  },
  MS4156: {
    title: "--update names no reference of the project",
    example: "modelsmith lock --update llama3:70b   # when no Modelfile says FROM llama3:70b",
    fix: "Name a network reference as a Modelfile writes it (or its alias), or give --update alone to update them all; the hint lists them.",
  },
});

export type LockCode = keyof typeof LOCK_CODES;
