/**
 * JSON exactly as Go's `encoding/json` writes it, because Ollama hashes the
 * bytes its encoder writes: the config blob, `params`, `messages` and the
 * manifest itself. Writing the same bytes gives the same digests, so a model
 * built by modelsmith and one made by `ollama create` from the same parts have
 * the same layers, and a digest never depends on the machine.
 *
 * Rules (Go 1.22+, `json.Marshal` / `Encoder.Encode` with HTML escaping on):
 * - a struct (`GoStruct`) writes its fields in declaration order; a field whose
 *   value is undefined is left out (the caller applies `omitempty`);
 * - a map (a plain object) writes its keys sorted by their UTF-8 bytes;
 * - strings escape `"` `\` as `\"` `\\`, `\b \f \n \r \t` by name, other
 *   control characters and `<` `>` `&` U+2028 U+2029 as `\u00xx`-style
 *   lower-case escapes, and a lone surrogate as `\ufffd` (what Go makes of
 *   invalid UTF-8); everything else is written as is;
 * - numbers are float64 printed like ES6 `Number#toString` (Go copies that
 *   rule), except that -0 stays `-0`; NaN and infinities are an error;
 * - no whitespace; `goEncode` adds the newline `Encoder.Encode` ends with.
 */
export type GoValue = string | number | boolean | null | GoStruct | readonly GoValue[] | { readonly [key: string]: GoValue };

/** A Go struct value: fields in declaration order; undefined fields are omitted. */
export class GoStruct {
  constructor(readonly fields: ReadonlyArray<readonly [string, GoValue | undefined]>) {}
}

/** `json.Marshal(v)`. */
export function goMarshal(v: GoValue): string {
  const out: string[] = [];
  write(v, out);
  return out.join("");
}

/** What `json.NewEncoder(w).Encode(v)` writes: the marshalled value and a newline. */
export function goEncode(v: GoValue): string {
  return goMarshal(v) + "\n";
}

function write(v: GoValue, out: string[]): void {
  if (v === null) out.push("null");
  else if (typeof v === "string") out.push(goString(v));
  else if (typeof v === "number") out.push(goNumber(v));
  else if (typeof v === "boolean") out.push(v ? "true" : "false");
  else if (v instanceof GoStruct) writeFields(v.fields.filter((f): f is readonly [string, GoValue] => f[1] !== undefined), out);
  else if (isArray(v)) {
    out.push("[");
    v.forEach((item, i) => {
      if (i > 0) out.push(",");
      write(item, out);
    });
    out.push("]");
  } else {
    const keys = Object.keys(v).sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
    writeFields(keys.map((k) => [k, v[k]!] as const), out);
  }
}

function writeFields(fields: ReadonlyArray<readonly [string, GoValue]>, out: string[]): void {
  out.push("{");
  fields.forEach(([k, value], i) => {
    if (i > 0) out.push(",");
    out.push(goString(k), ":");
    write(value, out);
  });
  out.push("}");
}

function isArray(v: unknown): v is readonly GoValue[] {
  return Array.isArray(v);
}

const NAMED_ESCAPES: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** A Go-escaped JSON string literal. */
export function goString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (NAMED_ESCAPES[ch] !== undefined) out += NAMED_ESCAPES[ch];
    else if (c < 0x20 || ch === "<" || ch === ">" || ch === "&" || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      out += ch + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += "\\ufffd";
    else out += ch;
  }
  return out + '"';
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** A float64 as Go's encoder prints it. */
export function goNumber(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`json: unsupported value: ${n}`);
  if (Object.is(n, -0)) return "-0";
  return String(n);
}
