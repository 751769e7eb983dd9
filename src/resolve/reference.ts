import type { Diagnostic, Position } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { splitPin } from "./digest.js";
import { isLocalPath, parseFilePath } from "./file-ref.js";
import { formatReference } from "./format-reference.js";
import { parseHfName } from "./hf-ref.js";
import { parseOciName } from "./oci-ref.js";
import { parseOllamaName } from "./ollama-name.js";
import { Problems, TEXT_START, toDiagnostic, type Problem } from "./problems.js";
import { parseProjectRef } from "./project-ref.js";
import type { Reference, Sha256Digest } from "./reference-types.js";
import { parseTestModel } from "./testmodel-ref.js";
import { parseUrlRef } from "./url-ref.js";

export type * from "./reference-types.js";
export { formatReference } from "./format-reference.js";

export interface ReferenceContext {
  /** `aliases:` of the project file: short name to reference text. */
  aliases?: Readonly<Record<string, string>>;
  /** Names of the project's models (`models:` keys). */
  projectModels?: readonly string[];
  /** Where the reference's first character is written (after any quote); diagnostics are placed from there. */
  origin?: Position;
  /** File the diagnostics name. */
  file?: string;
}

export interface ParsedReference {
  /** Absent when any error was found. */
  reference?: Reference;
  /** The aliases expanded on the way, outermost first. */
  via: string[];
  /** Errors, and warnings (MS4117) that leave the reference usable. */
  diagnostics: Diagnostic[];
}

/** The schemes this parser knows, lower-case. */
export const REFERENCE_SCHEMES = ["ollama", "hf", "https", "http", "oci", "testmodel", "project"] as const;

/**
 * Parses what FROM and `pull` accept. Pure: no file system, no network, no
 * throw; every problem is a Diagnostic (MS41xx) whose range points into the
 * text (shifted to `ctx.origin`), most with a hint.
 *
 *     reference = ( local / scheme-ref / short ) [ pin ]
 *     pin       = "@sha256:" 64hexdig                      ; exactly these bytes
 *     local     = ( "./" / "../" / "/" / "~/" ) path        ; file-ref.ts
 *     scheme-ref = "ollama://" ollama-name                  ; ollama-name.ts
 *                / "hf://" org "/" repo "/" file [ "@" revision ]   ; hf-ref.ts
 *                / "https://" url [ "#sha256=" 64hexdig ]    ; url-ref.ts
 *                / "http://" loopback-url [ "#sha256=" 64hexdig ]
 *                / "oci://" host [ ":" port ] "/" repository [ ":" tag ]   ; oci-ref.ts
 *                / "testmodel://" ( "oracle" / "random" ) [ "?" params ]   ; testmodel-ref.ts
 *                / "project://" model-name [ ":" variant-tag ]           ; project-ref.ts
 *     short     = alias / model-name [ ":" variant-tag ] / ollama-name
 *
 * Schemes are case-insensitive. No whitespace or control characters, except
 * spaces inside a local path. A short name (anything without `scheme://` that
 * is not a path) is looked up, in this order:
 *
 * 1. `aliases`: the target is parsed as a reference in turn (an alias may name
 *    another alias; a cycle is an error, MS4112);
 * 2. the project's own models: a project model shadows the Ollama library
 *    model of the same name, since the project is what the author controls and
 *    `ollama://llama3` still reaches the library;
 * 3. an Ollama name, defaulting to `registry.ollama.ai/library/<model>:latest`.
 *    When it is one edit away from an alias or project model, a warning
 *    (MS4117) says so with a did-you-mean.
 *
 * A pin on an alias applies to its target; one that differs from a pin the
 * target already carries is an error (MS4114). A problem inside an alias's
 * target is reported at the alias name (MS4113), since that is what the text
 * says.
 */
export function parseReference(text: string, ctx: ReferenceContext = {}): ParsedReference {
  const problems = new Problems();
  const via: string[] = [];
  const reference = parseText(text, ctx, problems, via);
  // Sub-parsers keep ranges inside the text; the clamp guards the Diagnostic contract regardless.
  const clamp = (o: number) => Math.min(Math.max(o, 0), text.length);
  const diagnostics = problems.list.map((p) => toDiagnostic({ ...p, start: clamp(p.start), end: clamp(p.end) }, ctx.origin ?? TEXT_START, ctx.file));
  return !problems.hasErrors && reference !== undefined ? { reference, via, diagnostics } : { via, diagnostics };
}

function parseText(text: string, ctx: ReferenceContext, problems: Problems, via: string[]): Reference | undefined {
  if (text === "") return problems.error("MS4100", "empty reference", 0, 0, "name a base model, e.g. `llama3:8b` or `./model.gguf`");
  const lead = text.length - text.trimStart().length;
  const trail = text.trimEnd().length;
  if (lead > 0) return problems.error("MS4118", "leading whitespace in reference", 0, lead);
  if (trail < text.length) return problems.error("MS4118", "trailing whitespace in reference", trail, text.length);
  const control = text.search(/[\u0000-\u001f\u007f]/);
  if (control >= 0) return problems.error("MS4118", `control character U+${text.charCodeAt(control).toString(16).padStart(4, "0").toUpperCase()} in reference`, control, control + 1);

  const { rest, digest, failed } = splitPin(text, problems);
  if (failed) return undefined;
  if (isLocalPath(rest)) return withPin(parseFilePath(rest, problems), digest, problems, text);
  const space = rest.search(/\s/);
  if (space >= 0) return problems.error("MS4118", "whitespace in reference", space, space + 1, "only local paths may contain spaces");

  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(rest)?.[1];
  if (scheme === undefined) return withPin(parseShort(rest, ctx, problems, via), digest, problems, text);
  const body = rest.slice(scheme.length + 3);
  const at = problems.at(scheme.length + 3);
  switch (scheme.toLowerCase()) {
    case "ollama":
      return withPin(parseOllamaName(body, at), digest, problems, text);
    case "hf":
      return withPin(parseHfName(body, at), digest, problems, text);
    case "oci":
      return withPin(parseOciName(body, digest !== undefined, at), digest, problems, text);
    case "testmodel":
      return withPin(parseTestModel(body, at), digest, problems, text);
    case "project":
      return withPin(parseProjectRef(body, ctx.projectModels ?? [], at), digest, problems, text);
    case "http":
    case "https": {
      const parsed = parseUrlRef(rest, problems);
      if (parsed === undefined) return undefined;
      const ref = parsed.digest === undefined ? parsed.ref : { ...parsed.ref, digest: parsed.digest };
      return withPin(ref, digest, problems, text);
    }
    default: {
      const hint = scheme.toLowerCase() === "file" ? "for a local file write its path, e.g. `/abs/model.gguf` or `./model.gguf`" : didYouMean(scheme.toLowerCase(), REFERENCE_SCHEMES);
      return problems.error("MS4101", `unknown reference scheme \`${scheme}://\``, 0, scheme.length + 3, hint ?? `known schemes: ${REFERENCE_SCHEMES.map((s) => `${s}://`).join(", ")}`);
    }
  }
}

/** Aliases, then project models, then the Ollama library (see parseReference). */
function parseShort(name: string, ctx: ReferenceContext, problems: Problems, via: string[]): Reference | undefined {
  const aliases = ctx.aliases ?? {};
  if (Object.hasOwn(aliases, name)) return expandAlias(name, aliases[name]!, ctx, problems, via);
  const projectModels = ctx.projectModels ?? [];
  const colon = name.indexOf(":");
  const model = colon < 0 ? name : name.slice(0, colon);
  if (projectModels.includes(model)) return parseProjectRef(name, projectModels, problems);

  const ref = parseOllamaName(name, problems);
  if (ref === undefined) return undefined;
  if (colon < 0 && /\.gguf$/i.test(ref.model)) {
    return problems.error("MS4115", `\`${name}\` looks like a file but is read as an Ollama model name`, 0, name.length, `write \`./${name}\` for a file next to the Modelfile`);
  }
  if (!name.includes("/")) {
    const hint = didYouMean(name, [...Object.keys(aliases), ...projectModels]) ?? (colon < 0 ? undefined : didYouMean(model, projectModels));
    if (hint !== undefined) {
      problems.warning("MS4117", `\`${name}\` is neither an alias nor a model of this project; it names the Ollama library model \`${formatReference(ref)}\``, 0, name.length, hint);
    }
  }
  return ref;
}

function expandAlias(name: string, target: string, ctx: ReferenceContext, problems: Problems, via: string[]): Reference | undefined {
  const chain = [...via, name].map((a) => `\`${a}\``).join(" -> ");
  if (via.includes(name)) {
    problems.push({ code: "MS4112", severity: "error", message: `alias cycle: ${chain}`, start: problems.base, end: problems.base + name.length, viaAlias: true });
    return undefined;
  }
  via.push(name);
  const inner = new Problems();
  const ref = parseText(target, ctx, inner, via);
  for (const p of inner.list) problems.push(relayed(p, `alias ${chain} -> \`${target}\``, problems.base, name.length));
  return inner.hasErrors ? undefined : ref;
}

/** A problem found in an alias's target, placed at the alias name in the text the user wrote. */
function relayed(p: Problem, where: string, start: number, length: number): Problem {
  const at = { start, end: start + length, viaAlias: true as const };
  if (p.viaAlias) return { ...p, ...at };
  if (p.severity === "warning") return { ...p, message: `${where}: ${p.message}`, ...at };
  const base = { code: "MS4113" as const, severity: p.severity, message: `${where} is not a valid reference: ${p.message}`, ...at };
  return p.hint === undefined ? base : { ...base, hint: p.hint };
}

/** Applies a trailing `@sha256:` pin to a parsed reference; a different pin already on it is MS4114. */
function withPin(r: Reference | undefined, pin: Sha256Digest | undefined, problems: Problems, text: string): Reference | undefined {
  if (r === undefined) return undefined;
  if (pin === undefined) return r;
  if (r.digest !== undefined && r.digest !== pin) {
    return problems.error("MS4114", `two different pins: ${r.digest} and ${pin}`, 0, text.length, "pin a reference once, with the digest of the bytes you mean");
  }
  return { ...r, digest: pin };
}
