import { error, hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { validateWithSchema } from "../project/validate.js";
import { YamlSource } from "../project/yaml-source.js";
import { TAG_PATTERN } from "../resolve/name-parts.js";
import { formatReference, parseReference, type Reference } from "../resolve/reference.js";
import { LOCK_VERSION, type Lock } from "./lock.js";
import { lockSchema } from "./schema.js";
import { checkpointIndex, isSafeRepoPath } from "../resolve/checkpoint.js";
import type { LockedReference } from "./lock.js";
import { createHash } from "node:crypto";

/**
 * Reads models.lock text. Pure. Returns every problem, each at its YAML
 * position; `lock` is set only when there is no error. Checks, beyond YAML
 * syntax (MS4001) and shape (MS4002–MS4005):
 * - `version` is 1 (MS4150; anything else stops here, its shape is unknown);
 * - each reference key parses and is already canonical, and is not a project
 *   model (MS4151);
 * - each locator parses as a reference of the key's kind and is immutable: an
 *   Ollama or OCI locator carries a manifest digest, a Hugging Face one a
 *   40-hex commit (MS4152);
 * - each variant tag is a valid tag (MS4153).
 */
export function parseLock(text: string, file: string): { lock?: Lock; diagnostics: Diagnostic[] } {
  const source = new YamlSource(text, file);
  if (source.diagnostics.length) return { diagnostics: source.diagnostics };
  const value = source.value() ?? null;
  if (value === null) {
    return { diagnostics: [error("MS4004", "the lock file is empty", { file, range: source.rangeAt([]), hint: "regenerate the lock with `modelsmith lock`" })] };
  }
  if (isObject(value) && value.version !== undefined && value.version !== LOCK_VERSION) {
    const shown = typeof value.version === "string" ? JSON.stringify(value.version) : String(value.version);
    return {
      diagnostics: [
        error("MS4150", `unsupported models.lock version ${shown}; this modelsmith reads version ${LOCK_VERSION}`, {
          file,
          range: source.rangeAt(["version"]),
          hint: "upgrade modelsmith, or regenerate the lock with `modelsmith lock`",
        }),
      ],
    };
  }
  const diagnostics = validateWithSchema(source, lockSchema, value);
  if (hasErrors(diagnostics)) return { diagnostics };
  const lock = value as unknown as Lock;
  for (const [key, entry] of Object.entries(lock.references)) {
    const at = (path: string[], keyRange = false) => ({ file, range: source.rangeAt(["references", ...path], { key: keyRange }) });
    const ref = checkKey(key, diagnostics, at([key], true));
    if (ref) checkLocator(ref, entry.locator, diagnostics, at([key, "locator"]));
    if (ref) checkFiles(ref, entry, diagnostics, (p) => at([key, ...p]));
  }
  for (const [model, variants] of Object.entries(lock.models)) {
    for (const tag of Object.keys(variants)) {
      if (!TAG_PATTERN.test(tag)) {
        diagnostics.push(
          error("MS4153", `invalid variant tag \`${tag}\` of model \`${model}\``, {
            file,
            range: source.rangeAt(["models", model, tag], { key: true }),
            hint: "tags are letters, digits, `_`, `.` and `-`, starting with a letter, digit or `_`",
          }),
        );
      }
    }
  }
  diagnostics.sort((a, b) => (a.range?.start.offset ?? 0) - (b.range?.start.offset ?? 0));
  return hasErrors(diagnostics) ? { diagnostics } : { lock: { version: LOCK_VERSION, references: lock.references, models: lock.models }, diagnostics };
}

type At = { file: string; range: NonNullable<Diagnostic["range"]> };

function checkKey(key: string, out: Diagnostic[], at: At): Reference | undefined {
  if (/^project:\/\//i.test(key)) {
    out.push(error("MS4151", `\`${key}\` is a project model; those are locked under \`models:\``, { ...at, hint: "regenerate the lock with `modelsmith lock`" }));
    return undefined;
  }
  const { reference, diagnostics } = parseReference(key);
  if (!reference) {
    out.push(error("MS4151", `\`${key}\` is not a valid reference: ${diagnostics[0]?.message ?? "unknown problem"}`, { ...at, hint: "regenerate the lock with `modelsmith lock`" }));
    return undefined;
  }
  const canonical = formatReference(reference);
  if (canonical !== key) {
    out.push(error("MS4151", `reference key \`${key}\` is not in canonical form`, { ...at, hint: `write \`${canonical}\`` }));
    return undefined;
  }
  return reference;
}

function checkLocator(ref: Reference, locator: string, out: Diagnostic[], at: At): void {
  const { reference: loc, diagnostics } = parseReference(locator);
  const problem = !loc
    ? `is not a valid reference: ${diagnostics[0]?.message ?? "unknown problem"}`
    : loc.kind !== ref.kind
      ? `is a \`${loc.kind}\` reference but its key is a \`${ref.kind}\` reference`
      : formatReference(loc) !== locator
        ? `is not in canonical form (\`${formatReference(loc)}\`)`
        : (loc.kind === "ollama" || loc.kind === "oci") && loc.digest === undefined
          ? "is not pinned by a manifest digest (`@sha256:<hex>`)"
          : (loc.kind === "hf" || loc.kind === "hfrepo") && !/^[0-9a-f]{40}$/.test(loc.revision)
            ? `names revision \`${loc.revision}\`, not a 40-hex commit`
            : undefined;
  if (problem) out.push(error("MS4152", `locator \`${locator}\` ${problem}`, { ...at, hint: "regenerate the lock with `modelsmith lock`" }));
}

/**
 * `files:` belongs to a Hugging Face repository and nothing else; its paths
 * are safe relative paths, once each, and the entry's digest and size are
 * the one GGUF file's or the checkpoint index's (MS4400).
 */
function checkFiles(ref: Reference, entry: LockedReference, out: Diagnostic[], at: (path: string[]) => At): void {
  const hint = "models.lock is written by modelsmith: regenerate it with `modelsmith lock --update`";
  const files = entry.files;
  if (ref.kind !== "hfrepo") {
    if (files !== undefined) out.push(error("MS4400", "`files` is only for a whole Hugging Face repository (`hf://<org>/<repo>@<revision>`)", { ...at(["files"]), hint }));
    return;
  }
  if (files === undefined) return void out.push(error("MS4400", "a Hugging Face repository needs `files`: every file's path, digest and size", { ...at([]), hint }));
  const seen = new Set<string>();
  for (const [i, f] of files.entries()) {
    if (!isSafeRepoPath(f.path) || seen.has(f.path)) {
      return void out.push(error("MS4400", seen.has(f.path) ? `file \`${f.path}\` is listed twice` : `\`${f.path}\` is not a relative path inside the repository`, { ...at(["files", String(i), "path"]), hint }));
    }
    seen.add(f.path);
  }
  const single = files.length === 1 && files[0]!.digest === entry.digest && files[0]!.size === entry.size;
  const index = Buffer.from(checkpointIndex(files));
  const indexed = entry.digest === `sha256:${createHash("sha256").update(index).digest("hex")}` && entry.size === index.length;
  if (!single && !indexed) out.push(error("MS4400", "`digest` and `size` are neither the one GGUF file's nor those of the checkpoint index of `files`", { ...at(["digest"]), hint }));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
