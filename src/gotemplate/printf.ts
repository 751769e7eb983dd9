import { formatFloatG, formatValue, goQuote } from "./format.js";
import { kindOf, numberOf, stringerOf, typeName } from "./values.js";

/**
 * Go's fmt.Sprintf for the verbs templates use:
 *
 *     %[flags][width][.precision]verb     flags: - + # 0 space
 *     verbs: v s q d b o x X c U t f F e E g G %
 *
 * with Go's error forms: `%!d(string=hi)` for a wrong type, `%!d(MISSING)`,
 * `%!(EXTRA int=1)`, `%!(NOVERB)`. Argument indexes (`%[2]d`) and `*` widths
 * are not supported and print as bad verbs.
 */
export function sprintf(format: string, args: unknown[]): string {
  let out = "";
  let argi = 0;
  for (let i = 0; i < format.length; ) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    const m = /^%([-+# 0]*)(\d*)(?:\.(\d*))?/.exec(format.slice(pct))!;
    i = pct + m[0].length;
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
    if (i >= format.length) {
      out += "%!(NOVERB)";
      break;
    }
    i += verb.length;
    if (verb === "%") {
      out += "%";
      continue;
    }
    const spec: Spec = { flags: m[1]!, width: m[2] ? Number(m[2]) : undefined, prec: m[3] !== undefined ? Number(m[3] || "0") : undefined, verb };
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatArg(args[argi++], spec);
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args.slice(argi).map((a) => (a === undefined || a === null ? "<nil>" : `${typeName(a)}=${formatValue(a)}`)).join(", ")})`;
  }
  return out;
}

interface Spec {
  flags: string;
  width: number | undefined;
  prec: number | undefined;
  verb: string;
}

function badVerb(v: unknown, s: Spec): string {
  return v === undefined || v === null ? `%!${s.verb}(<nil>)` : `%!${s.verb}(${typeName(v)}=${formatValue(v)})`;
}

function pad(body: string, s: Spec, numeric = false): string {
  const width = s.width ?? 0;
  const len = [...body].length;
  if (len >= width) return body;
  if (s.flags.includes("-")) return body + " ".repeat(width - len);
  if (numeric && s.flags.includes("0")) {
    const sign = /^[+-]/.test(body) ? body[0]! : "";
    return sign + "0".repeat(width - len) + body.slice(sign.length);
  }
  return " ".repeat(width - len) + body;
}

function signed(n: string, s: Spec): string {
  if (n.startsWith("-")) return n;
  return s.flags.includes("+") ? `+${n}` : s.flags.includes(" ") ? ` ${n}` : n;
}

function formatArg(v: unknown, s: Spec): string {
  const kind = kindOf(v);
  if (kind === "slice" && "sdxXqfeg".includes(s.verb)) return `[${(v as unknown[]).map((e) => formatArg(e, { ...s, width: undefined })).join(" ")}]`;
  switch (s.verb) {
    case "v":
      if (kind === "float") return pad(signed(formatFloatG(numberOf(v)), s), s, true);
      if (kind === "int") return pad(signed(formatValue(v), s), s, true);
      return pad(formatValue(v), s);
    case "s": {
      const str = kind === "string" ? (v as string) : stringerOf(v)?.() ?? (kind === "slice" || kind === "map" || kind === "struct" ? formatValue(v) : undefined);
      if (str === undefined) return badVerb(v, s);
      return pad(s.prec !== undefined ? [...str].slice(0, s.prec).join("") : str, s);
    }
    case "q":
      if (kind === "string") return pad(goQuote(v as string), s);
      if (kind === "int") return pad(`'${String.fromCodePoint(numberOf(v))}'`, s);
      return badVerb(v, s);
    case "t":
      return kind === "bool" ? pad(String(v), s) : badVerb(v, s);
    case "d": case "b": case "o": case "x": case "X": case "c": case "U":
      if (kind === "int") return pad(formatInteger(numberOf(v), s), s, s.verb !== "c");
      if (kind === "string" && (s.verb === "x" || s.verb === "X")) {
        const hex = Buffer.from(v as string, "utf8").toString("hex");
        return pad(s.verb === "X" ? hex.toUpperCase() : hex, s);
      }
      if (kind === "float" && (s.verb === "x" || s.verb === "X")) return badVerb(v, s);
      return badVerb(v, s);
    case "f": case "F": case "e": case "E": case "g": case "G":
      if (kind !== "float") return badVerb(v, s);
      return pad(signed(formatFloat(numberOf(v), s), s), s, true);
    default:
      return badVerb(v, s);
  }
}

function formatInteger(n: number, s: Spec): string {
  switch (s.verb) {
    case "c":
      return String.fromCodePoint(n);
    case "U":
      return `U+${n.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  const base = s.verb === "b" ? 2 : s.verb === "o" ? 8 : s.verb === "d" ? 10 : 16;
  let digits = Math.abs(n).toString(base);
  if (s.verb === "X") digits = digits.toUpperCase();
  if (s.prec !== undefined) digits = digits.padStart(s.prec, "0");
  if (s.flags.includes("#")) digits = (base === 16 ? (s.verb === "X" ? "0X" : "0x") : base === 8 ? "0" : base === 2 ? "0b" : "") + digits;
  return signed(n < 0 ? `-${digits}` : digits, s);
}

function formatFloat(f: number, s: Spec): string {
  if (!Number.isFinite(f)) return formatFloatG(f);
  switch (s.verb) {
    case "f":
    case "F":
      return f.toFixed(s.prec ?? 6);
    case "e":
    case "E": {
      const [m, e] = f.toExponential(s.prec ?? 6).split("e") as [string, string];
      const exp = `e${e[0]}${e.slice(1).padStart(2, "0")}`;
      return s.verb === "E" ? `${m}${exp}`.toUpperCase() : `${m}${exp}`;
    }
    default: {
      if (s.prec === undefined) return s.verb === "G" ? formatFloatG(f).toUpperCase() : formatFloatG(f);
      const p = Math.max(1, s.prec);
      const exp = f === 0 ? 0 : Math.floor(Math.log10(Math.abs(Number(f.toPrecision(p)))));
      const body = exp < -4 || exp >= p
        ? (() => {
            const [m, e] = f.toExponential(p - 1).split("e") as [string, string];
            return `${trimZeros(m)}e${e[0]}${e.slice(1).padStart(2, "0")}`;
          })()
        : trimZeros(f.toFixed(Math.max(0, p - 1 - exp)));
      return s.verb === "G" ? body.toUpperCase() : body;
    }
  }
}

function trimZeros(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}
