import type { Problems } from "./problems.js";
import type { Sha256Digest } from "./reference-types.js";

const SHA256 = /^sha256:[0-9a-f]{64}$/;

/** True for `sha256:` followed by exactly 64 lower-case hex digits. */
export function isSha256Digest(s: string): s is Sha256Digest {
  return SHA256.test(s);
}

/** Something after the last `@` that is meant as a pin: `sha256…`, or another digest algorithm's `alg:hex`. */
const PIN_LIKE = /^(?:sha256.*|(?:sha\d*|md5|blake\w*):[0-9A-Fa-f]*)$/i;

/** True when the text after an `@` is meant as a pin (and is then either a valid one or an error). */
export function looksLikePin(suffix: string): boolean {
  return PIN_LIKE.test(suffix) && !suffix.includes("/");
}

/**
 * Splits a trailing pin `@sha256:<64 hex>` off a reference text. The hex may be
 * written in either case and is returned lower-case. A suffix that looks like a
 * pin but is not a valid one is reported (MS4102) and `failed` is set; any other
 * `@` is left in `rest` for the form's own grammar (a Hugging Face revision, a
 * URL's user name).
 */
export function splitPin(text: string, problems: Problems): { rest: string; digest?: Sha256Digest; failed?: true } {
  const at = text.lastIndexOf("@");
  if (at < 0) return { rest: text };
  const pin = text.slice(at + 1);
  if (!looksLikePin(pin)) return { rest: text };
  const digest = parseSha256(pin, "@", problems.at(at + 1));
  return digest === undefined ? { rest: text.slice(0, at), failed: true } : { rest: text.slice(0, at), digest };
}

/**
 * Validates `sha256:<hex>` (or `sha256=<hex>` when `sep` is "#", the URL fragment
 * form) and returns it normalized; reports MS4102 at the pin otherwise.
 */
export function parseSha256(pin: string, sep: "@" | "#", problems: Problems): Sha256Digest | undefined {
  const want = sep === "@" ? "sha256:" : "sha256=";
  const example = sep === "@" ? "@sha256:<64 hex digits>" : "#sha256=<64 hex digits>";
  const lower = pin.toLowerCase();
  if (!lower.startsWith(want)) {
    const alg = /^([a-z0-9]+)[:=-]/.exec(lower)?.[1];
    if (alg === "sha256") return problems.error("MS4102", `invalid pin \`${pin}\``, 0, pin.length, `write \`${example}\``);
    return problems.error("MS4102", `unsupported digest \`${pin}\`: only sha256 pins are supported`, 0, pin.length, `write \`${example}\``);
  }
  const hex = lower.slice(want.length);
  if (!/^[0-9a-f]*$/.test(hex)) {
    const bad = hex.search(/[^0-9a-f]/);
    return problems.error("MS4102", `invalid digest: \`${pin[want.length + bad]}\` is not a hex digit`, want.length + bad, want.length + bad + 1, `write \`${example}\``);
  }
  if (hex.length !== 64) {
    return problems.error("MS4102", `invalid digest: sha256 has 64 hex digits, this one has ${hex.length}`, 0, pin.length, `write \`${example}\``);
  }
  return `sha256:${hex}`;
}
