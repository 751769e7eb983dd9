import { kindOf, mapGet, mapKeys, numberOf, stringerOf, structType } from "./values.js";

/**
 * Go's fmt printing of template values, enough for prompts: `%v` of every
 * kind (`[a b]` for slices, `map[k:v]` with sorted keys, `{a b}` for structs,
 * `<nil>` for nil inside values), fmt.Stringer, and float formatting with
 * strconv's shortest `%g` (exponent when it is < -4 or >= 6, as `%v` does).
 */
export function formatValue(v: unknown, depth = 0): string {
  if (v instanceof Error) return v.message;
  const stringer = stringerOf(v);
  if (stringer) return stringer();
  switch (kindOf(v)) {
    case "nil":
      return "<nil>";
    case "bool":
      return String(v);
    case "int":
      return typeof v === "bigint" ? v.toString() : formatInt(v as number);
    case "float":
      return formatFloatG(numberOf(v));
    case "string":
      return v as string;
    case "slice":
      return `[${(v as unknown[]).map((e) => formatValue(e, depth + 1)).join(" ")}]`;
    case "map": {
      const m = v as object;
      const items = mapKeys(m).map((k) => `${formatValue(k, depth + 1)}:${formatValue(mapGet(m, k), depth + 1)}`);
      return `map[${items.join(" ")}]`;
    }
    case "struct": {
      const fields = Object.values(v as object).map((f) => formatValue(f, depth + 1));
      const ptr = structType(v)!.startsWith("*") && depth === 0 ? "&" : "";
      return `${ptr}{${fields.join(" ")}}`;
    }
    case "func":
      return "0x0";
  }
}

function formatInt(n: number): string {
  return Object.is(n, -0) ? "0" : n.toLocaleString("en-US", { useGrouping: false, maximumFractionDigits: 0 });
}

/**
 * strconv.FormatFloat(f, 'g', -1, 64), which fmt's %v uses: the shortest digits
 * that round-trip, in %e form when the exponent is < -4 or >= 6 (Go's rule for
 * shortest %g), e.g. 1e+06, 1.5e-05, 123456.
 */
export function formatFloatG(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const [mant, expText] = f.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(f);
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = "";
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += formatValue(a);
  });
  return out;
}

/** fmt.Sprintln: spaces between all operands and a newline. */
export function sprintln(args: unknown[]): string {
  return `${args.map((a) => formatValue(a)).join(" ")}\n`;
}

/** Go's strconv.Quote: double-quoted with Go escapes; printable Unicode kept. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case "\\": out += "\\\\"; continue;
      case "\x07": out += "\\a"; continue;
      case "\b": out += "\\b"; continue;
      case "\f": out += "\\f"; continue;
      case "\n": out += "\\n"; continue;
      case "\r": out += "\\r"; continue;
      case "\t": out += "\\t"; continue;
      case "\v": out += "\\v"; continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (/[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/u.test(ch) || (cp > 0x7f && /\p{Zs}/u.test(ch) && cp !== 0xa0)) {
      out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, "0")}` : `\\u${cp.toString(16).padStart(4, "0")}`;
    } else out += ch;
  }
  return `${out}"`;
}

