import { error, InputError } from "../diagnostics/index.js";

/**
 * Model names, with Ollama's grammar (ollama/ollama `types/model/name.go`), so a
 * name means the same manifest file to modelsmith and to `ollama`.
 *
 *     name      = [ [ scheme "://" ] host "/" ] [ namespace "/" ] model [ ":" tag ]
 *     host      = start { alnum | "_" | "-" | "." | ":" }      1..350 chars
 *     namespace = start { alnum | "_" | "-" }                  1..80 chars
 *     model     = start { alnum | "_" | "-" | "." }            1..80 chars
 *     tag       = start { alnum | "_" | "-" | "." }            1..80 chars
 *     start     = alnum | "_"                                  (alnum is ASCII A-Z a-z 0-9)
 *
 * How a string splits (exactly Ollama's ParseNameBare): the tag is what follows
 * the last ":" when that ":" comes after the last "/" (so `host:port/ns/m` has no
 * tag); the model is what follows the last "/" of the rest, the namespace what
 * follows the "/" before it, and everything left is the host, minus a leading
 * `scheme://`. A separator with nothing on one side (`m:`, `/m`, `a//m`) makes
 * that part missing, and the name invalid. Missing host, namespace and tag take
 * the defaults `registry.ollama.ai`, `library` and `latest`.
 *
 * Every valid part is a safe single path segment: it cannot be empty, `.`, `..`,
 * or hold a `/`, which is why a name maps to `manifests/<host>/<namespace>/<model>/<tag>`
 * without any escaping. Names are case-preserving; two names that differ only in
 * case are the same model to Ollama (see `sameName`).
 */
export interface ModelName {
  host: string;
  namespace: string;
  model: string;
  tag: string;
}

/** A name as written, before defaults: absent parts are undefined. */
export interface BareName {
  scheme?: string;
  host?: string;
  namespace?: string;
  model: string;
  tag?: string;
}

/**
 * The defaults for parts a name leaves out: Ollama's. modelsmith builds its
 * models under Ollama's default host and namespace on purpose: Ollama expands
 * `ollama run code-assistant` to `registry.ollama.ai/library/code-assistant:latest`,
 * so only a model stored under exactly that path is found by its short name
 * when `OLLAMA_MODELS=$MODELSMITH_HOME ollama serve` serves the store. A host of
 * our own (say `modelsmith.local`) would force users to type the full name in
 * every Ollama client. The cost, a local build can shadow a pulled library
 * model of the same name, is the same as with `ollama create llama3`, and a
 * project that wants its own space sets `defaults.namespace` in modelsmith.yaml.
 */
export const DEFAULT_HOST = "registry.ollama.ai";
export const DEFAULT_NAMESPACE = "library";
export const DEFAULT_TAG = "latest";

export interface NameDefaults {
  host: string;
  namespace: string;
  tag: string;
}

export const DEFAULT_NAME_PARTS: NameDefaults = { host: DEFAULT_HOST, namespace: DEFAULT_NAMESPACE, tag: DEFAULT_TAG };

/** Marks a part promised by a separator but empty, as Ollama does; never valid. */
export const MISSING_PART = "!MISSING!";

export type NamePart = "host" | "namespace" | "model" | "tag";

const MAX_LENGTH: Record<NamePart, number> = { host: 350, namespace: 80, model: 80, tag: 80 };

/** Splits `s` into its parts without defaults and without validating them. */
export function parseNameBare(s: string): BareName {
  let rest = s;
  let tag: string | undefined;
  if (rest.lastIndexOf(":") > rest.lastIndexOf("/")) [rest, tag] = cutLast(rest, ":");
  const slash = rest.lastIndexOf("/");
  if (slash < 0) return withTag({ model: rest }, tag);
  const [beforeModel, model] = cutLast(rest, "/");
  if (beforeModel.lastIndexOf("/") < 0) return withTag({ namespace: beforeModel, model }, tag);
  const [hostPart, namespace] = cutLast(beforeModel, "/");
  const schemeEnd = hostPart.indexOf("://");
  const name: BareName = schemeEnd < 0 ? { host: hostPart, namespace, model } : { scheme: hostPart.slice(0, schemeEnd), host: hostPart.slice(schemeEnd + 3), namespace, model };
  return withTag(name, tag);
}

/** Fills the parts `bare` leaves out from `defaults`. */
export function withDefaults(bare: BareName, defaults: NameDefaults = DEFAULT_NAME_PARTS): BareName {
  return { ...bare, host: bare.host || defaults.host, namespace: bare.namespace || defaults.namespace, tag: bare.tag || defaults.tag };
}

/** The name `s` means, defaults applied, or undefined when it is not valid. */
export function tryParseModelName(s: string, defaults: NameDefaults = DEFAULT_NAME_PARTS): ModelName | undefined {
  const n = withDefaults(parseNameBare(s), defaults);
  return isFullyQualified(n) ? { host: n.host, namespace: n.namespace, model: n.model, tag: n.tag } : undefined;
}

/** The name `s` means, defaults applied; throws InputError MS5101 naming the bad part. */
export function parseModelName(s: string, defaults: NameDefaults = DEFAULT_NAME_PARTS): ModelName {
  const name = tryParseModelName(s, defaults);
  if (name) return name;
  throw new InputError(error("MS5101", `invalid model name ${JSON.stringify(s)}: ${whyInvalid(withDefaults(parseNameBare(s), defaults))}`, { hint: "a name is [host/][namespace/]model[:tag], e.g. code-assistant:latest" }));
}

/** True when every part is present and valid. */
export function isFullyQualified(n: BareName): n is BareName & ModelName {
  return (["host", "namespace", "model", "tag"] as const).every((k) => isValidPart(k, n[k]));
}

/** Whether `s` is a valid `kind` part (length and characters). */
export function isValidPart(kind: NamePart, s: string | undefined): boolean {
  if (s === undefined || s.length < 1 || s.length > MAX_LENGTH[kind]) return false;
  if (!isStartChar(s.charCodeAt(0))) return false;
  for (let i = 1; i < s.length; i++) {
    const c = s[i]!;
    if (isStartChar(s.charCodeAt(i)) || c === "-") continue;
    if (c === "." && kind !== "namespace") continue;
    if (c === ":" && kind === "host") continue;
    return false;
  }
  return true;
}

/** `host/namespace/model:tag`, the full form that parses back to `n` under any defaults. */
export function formatModelName(n: ModelName): string {
  return `${n.host}/${n.namespace}/${n.model}:${n.tag}`;
}

/** Ollama's DisplayShortest: drop the default host (and the default namespace with it); always keep the tag. */
export function displayShortest(n: ModelName): string {
  if (!equalFold(n.host, DEFAULT_HOST)) return `${n.host}/${n.namespace}/${n.model}:${n.tag}`;
  if (!equalFold(n.namespace, DEFAULT_NAMESPACE)) return `${n.namespace}/${n.model}:${n.tag}`;
  return `${n.model}:${n.tag}`;
}

/** The four path segments of the name's manifest under `manifests/`. */
export function manifestPathParts(n: ModelName): [string, string, string, string] {
  return [n.host, n.namespace, n.model, n.tag];
}

/** The name stored at `manifests/<a>/<b>/<c>/<d>`, or undefined when the segments are not a valid name. */
export function nameFromPathParts(parts: readonly string[]): ModelName | undefined {
  if (parts.length !== 4) return undefined;
  const [host, namespace, model, tag] = parts as [string, string, string, string];
  const n = { host, namespace, model, tag };
  return isFullyQualified(n) ? n : undefined;
}

/** Ollama compares names case-insensitively (Name.EqualFold). */
export function sameName(a: ModelName, b: ModelName): boolean {
  return equalFold(a.host, b.host) && equalFold(a.namespace, b.namespace) && equalFold(a.model, b.model) && equalFold(a.tag, b.tag);
}

function whyInvalid(n: BareName): string {
  for (const kind of ["host", "namespace", "model", "tag"] as const) {
    const part = n[kind];
    if (isValidPart(kind, part)) continue;
    if (part === undefined || part === "" || part === MISSING_PART) return `the ${kind} is empty`;
    if (part.length > MAX_LENGTH[kind]) return `the ${kind} is longer than ${MAX_LENGTH[kind]} characters`;
    if (!isStartChar(part.charCodeAt(0))) return `the ${kind} ${JSON.stringify(part)} must start with a letter, digit or _`;
    const allowed = kind === "host" ? "letters, digits, _ - . :" : kind === "namespace" ? "letters, digits, _ -" : "letters, digits, _ - .";
    return `the ${kind} ${JSON.stringify(part)} may only hold ${allowed}`;
  }
  return "it is not a valid name";
}

function cutLast(s: string, sep: string): [string, string] {
  const i = s.lastIndexOf(sep);
  return [s.slice(0, i) || MISSING_PART, s.slice(i + sep.length) || MISSING_PART];
}

function withTag(n: BareName, tag: string | undefined): BareName {
  return tag === undefined ? n : { ...n, tag };
}

function isStartChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function equalFold(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
