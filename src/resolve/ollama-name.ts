import { checkPart, parseHost, TAG_FIRST, TAG_REST } from "./name-parts.js";
import type { Problems } from "./problems.js";
import type { OllamaReference } from "./reference-types.js";

export const OLLAMA_DEFAULT_HOST = "registry.ollama.ai";
export const OLLAMA_DEFAULT_NAMESPACE = "library";
export const OLLAMA_DEFAULT_TAG = "latest";

const NAME_FIRST = /[A-Za-z0-9_]/;
const MODEL_REST = /[A-Za-z0-9_.-]/;
const NAMESPACE_REST = /[A-Za-z0-9_-]/;
const HOST_HINT = "a registry host needs a namespace too: `host/namespace/model[:tag]`";

/**
 * Ollama's model name grammar (types/model/name.go), without its `+build` part:
 *
 *     name      = [ [ host "/" ] namespace "/" ] model [ ":" tag ]
 *     host      = see name-parts.ts (DNS name, optional ":port")
 *     namespace = ( alnum / "_" ) *( alnum / "_" / "-" )          ; no "."
 *     model     = ( alnum / "_" ) *( alnum / "_" / "-" / "." )
 *     tag       = ( alnum / "_" ) *( alnum / "_" / "-" / "." )
 *
 * Each part is at most 128 characters and holds no `..`. One part is the model,
 * two are namespace/model, three are host/namespace/model. Missing parts take
 * Ollama's defaults: `registry.ollama.ai`, `library`, `latest`. Case is kept
 * (Ollama compares names case-insensitively; registries may not).
 */
export function parseOllamaName(text: string, problems: Problems): Omit<OllamaReference, "digest"> | undefined {
  const segments: { text: string; start: number }[] = [];
  let start = 0;
  for (const s of text.split("/")) {
    segments.push({ text: s, start });
    start += s.length + 1;
  }
  if (segments.length > 3) {
    const extra = segments[3]!;
    return problems.error("MS4103", `too many \`/\`-separated parts in \`${text}\``, extra.start - 1, text.length, "an Ollama name is `[host/][namespace/]model[:tag]`");
  }
  const last = segments[segments.length - 1]!;
  const colon = last.text.indexOf(":");
  const modelText = colon < 0 ? last.text : last.text.slice(0, colon);
  const tagText = colon < 0 ? undefined : last.text.slice(colon + 1);

  let host = OLLAMA_DEFAULT_HOST;
  let ok = true;
  if (segments.length === 3) {
    const h = parseHost(segments[0]!.text, "MS4103", problems.at(segments[0]!.start));
    if (h === undefined) ok = false;
    else host = h;
  }
  let namespace = OLLAMA_DEFAULT_NAMESPACE;
  if (segments.length >= 2) {
    const ns = segments[segments.length - 2]!;
    const hint = segments.length === 2 && /[.:]/.test(ns.text) ? HOST_HINT : undefined;
    if (checkPart(ns.text, "namespace", NAME_FIRST, NAMESPACE_REST, "MS4103", problems.at(ns.start), hint)) namespace = ns.text;
    else ok = false;
  }
  if (!checkPart(modelText, "model name", NAME_FIRST, MODEL_REST, "MS4103", problems.at(last.start), pieceHint(modelText))) ok = false;
  let tag = OLLAMA_DEFAULT_TAG;
  if (tagText !== undefined) {
    if (checkPart(tagText, "tag", TAG_FIRST, TAG_REST, "MS4103", problems.at(last.start + colon + 1), pieceHint(tagText))) tag = tagText;
    else ok = false;
  }
  return ok ? { kind: "ollama", host, namespace, model: modelText, tag } : undefined;
}

function pieceHint(part: string): string | undefined {
  if (part.includes("+")) return "Ollama's `+build` suffix is not supported; name the quantized tag instead";
  if (part.includes("@")) return "a pin is written `@sha256:<64 hex digits>`";
  if (part.includes(":")) return "a name has one `:`, before its tag";
  return undefined;
}
