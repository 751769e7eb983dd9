import type { Problems } from "./problems.js";

/**
 * Grammar pieces shared by the registry references (Ollama and OCI).
 *
 *     host  = label *( "." label ) [ ":" port ]      ; case-insensitive, kept lower-case
 *     label = alnum [ *( alnum / "-" ) alnum ]      ; at most 63 characters
 *     port  = 1-65535, no leading zero
 */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Validates a registry host; returns it lower-cased, or reports `code` and returns undefined. */
export function parseHost(text: string, code: "MS4103" | "MS4107", problems: Problems): string | undefined {
  const host = text.toLowerCase();
  const colon = host.indexOf(":");
  const name = colon < 0 ? host : host.slice(0, colon);
  if (name === "") return problems.error(code, "the registry host is empty", 0, text.length);
  const labels = name.split(".");
  let offset = 0;
  for (const label of labels) {
    if (!LABEL.test(label)) {
      return problems.error(code, `invalid registry host \`${text}\``, offset, offset + label.length, "a host is DNS labels of letters, digits and `-`, joined by `.`, with an optional `:port`");
    }
    offset += label.length + 1;
  }
  if (colon >= 0) {
    const port = host.slice(colon + 1);
    if (!/^[1-9][0-9]{0,4}$/.test(port) || Number(port) > 65535) {
      return problems.error(code, `invalid port \`${port}\` in registry host`, colon + 1, text.length, "a port is a number from 1 to 65535");
    }
  }
  return host;
}

/** Max length of one part of a name (Ollama's MaxNamePartLen, the OCI tag limit). */
export const MAX_PART = 128;

/**
 * Checks one name part against a character class: first character from
 * `first`, the rest from `rest`, no `..`, at most {@link MAX_PART} characters.
 * Reports the first offending character with `what` naming the part.
 */
export function checkPart(part: string, what: string, first: RegExp, rest: RegExp, code: "MS4103" | "MS4107" | "MS4119", problems: Problems, hint?: string): boolean {
  if (part === "") {
    problems.error(code, `the ${what} is empty`, 0, 0, hint);
    return false;
  }
  if (part.length > MAX_PART) {
    problems.error(code, `the ${what} is longer than ${MAX_PART} characters`, MAX_PART, part.length);
    return false;
  }
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (!(i === 0 ? first : rest).test(c)) {
      problems.error(code, `invalid character \`${c}\` in the ${what} \`${part}\``, i, i + 1, hint);
      return false;
    }
    if (c === "." && part[i + 1] === ".") {
      problems.error(code, `\`..\` in the ${what} \`${part}\``, i, i + 2, hint);
      return false;
    }
  }
  return true;
}

/** Tag of an Ollama model or OCI artifact (the OCI distribution spec's tag grammar). */
export const TAG_FIRST = /[A-Za-z0-9_]/;
export const TAG_REST = /[A-Za-z0-9_.-]/;
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
