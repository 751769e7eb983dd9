/**
 * Go literal syntax used inside actions: `strconv.Unquote` for "..." , `...`
 * and '.' literals, and the classification of number literals that
 * `parse.NumberNode` makes (int when it fits int64, float when it parses as
 * one). Both throw `Error` with Go's message; the parser adds the position.
 */

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92 };

/**
 * Go's strconv.Unquote. `\x` and octal escapes produce raw bytes; the result
 * is decoded as UTF-8 (invalid bytes become U+FFFD, as they would print).
 */
export function goUnquote(quoted: string): string {
  const q = quoted[0];
  if (quoted.length < 2 || quoted[quoted.length - 1] !== q) throw new Error("invalid syntax");
  const body = quoted.slice(1, -1);
  if (q === "`") {
    if (body.includes("`")) throw new Error("invalid syntax");
    return body.replace(/\r/g, "");
  }
  if (q !== '"' && q !== "'") throw new Error("invalid syntax");
  const bytes: number[] = [];
  const pushText = (s: string) => bytes.push(...Buffer.from(s, "utf8"));
  let runes = 0;
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c === q || c === "\n") throw new Error("invalid syntax");
    if (c !== "\\") {
      const ch = String.fromCodePoint(body.codePointAt(i)!);
      pushText(ch);
      i += ch.length;
      runes++;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw new Error("invalid syntax");
    i += 2;
    runes++;
    if (e in SIMPLE_ESCAPES) bytes.push(SIMPLE_ESCAPES[e]!);
    else if (e === q) bytes.push(q.charCodeAt(0));
    else if (e === "x" || e === "u" || e === "U") {
      const n = e === "x" ? 2 : e === "u" ? 4 : 8;
      const hex = body.slice(i, i + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) throw new Error("invalid syntax");
      i += n;
      const v = parseInt(hex, 16);
      if (e === "x") bytes.push(v);
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw new Error("invalid syntax");
        pushText(String.fromCodePoint(v));
      }
    } else if (e >= "0" && e <= "7") {
      const oct = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(oct)) throw new Error("invalid syntax");
      const v = parseInt(oct, 8);
      if (v > 255) throw new Error("invalid syntax");
      bytes.push(v);
      i += 2;
    } else throw new Error("invalid syntax");
  }
  if (q === "'" && runes !== 1) throw new Error("invalid syntax");
  return Buffer.from(bytes).toString("utf8");
}

export interface NumberValue {
  isInt: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int: number;
  float: number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Classifies a number literal as Go's parse.newNumber does. */
export function parseGoNumber(text: string, kind: "number" | "charConstant" | "complex"): NumberValue {
  const none: NumberValue = { isInt: false, isFloat: false, isComplex: false, int: 0, float: 0 };
  if (kind === "charConstant") {
    const s = goUnquote(text);
    const r = s.codePointAt(0)!;
    return { ...none, isInt: true, isFloat: true, int: r, float: r };
  }
  if (kind === "complex" || text.endsWith("i")) {
    // Go accepts complex constants; modelsmith has no complex values.
    return { ...none, isComplex: true };
  }
  const big = parseGoInteger(text);
  if (big !== undefined) {
    if (big >= INT64_MIN && big <= INT64_MAX) return { ...none, isInt: true, isFloat: true, int: Number(big), float: Number(big) };
    if (big >= 0n && big <= UINT64_MAX) return { ...none, isFloat: true, float: Number(big) };
    throw new Error(`integer overflow: ${JSON.stringify(text)}`);
  }
  const f = parseGoFloat(text);
  if (f === undefined) throw new Error(`illegal number syntax: ${JSON.stringify(text)}`);
  if (!/[.eEpP]/.test(text)) throw new Error(`integer overflow: ${JSON.stringify(text)}`);
  const isInt = Number.isInteger(f) && Math.abs(f) < 2 ** 63;
  return { ...none, isFloat: true, float: f, isInt, int: isInt ? f : 0 };
}

/** strconv.ParseInt(text, 0, 64) accepting any size: sign, 0x/0o/0b/0 prefixes, underscores. */
function parseGoInteger(text: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(text);
  if (!m) return undefined;
  const [, sign, digits] = m as unknown as [string, string, string];
  if (!validUnderscores(digits)) return undefined;
  let d = digits.replace(/_/g, "");
  if (/^0[0-7]+$/.test(d)) d = `0o${d.slice(1)}`;
  if (/^0[oO]/.test(d)) d = `0o${d.slice(2)}`;
  const v = BigInt(d);
  return sign === "-" ? -v : v;
}

/** Underscores only between digits (or right after a base prefix), as Go requires. */
function validUnderscores(s: string): boolean {
  if (!s.includes("_")) return true;
  const body = /^0[xXoObB]/.test(s) ? `0${s.slice(2)}` : s;
  return !/__|_$/.test(body) && !/^_/.test(body);
}

function parseGoFloat(text: string): number | undefined {
  if (/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d[\d_]*)?$/.test(text)) {
    if (text.includes("_") && !/^[+-]?\d(_?\d)*(\.(\d(_?\d)*)?)?([eE][+-]?\d(_?\d)*)?$/.test(text)) return undefined;
    const v = Number(text.replace(/_/g, ""));
    return Number.isNaN(v) ? undefined : v;
  }
  const hex = /^([+-]?)0[xX]([0-9a-fA-F_]*)\.?([0-9a-fA-F_]*)[pP]([+-]?\d+)$/.exec(text);
  if (hex) {
    const [, sign, intPart, frac, exp] = hex as unknown as [string, string, string, string, string];
    const ip = intPart.replace(/_/g, "");
    const fp = frac.replace(/_/g, "");
    if (ip === "" && fp === "") return undefined;
    const mant = parseInt(ip + fp || "0", 16) / 16 ** fp.length;
    const v = mant * 2 ** Number(exp);
    return sign === "-" ? -v : v;
  }
  return undefined;
}
