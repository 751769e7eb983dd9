/**
 * JSON Schema to GBNF, as llama.cpp converts it: a TypeScript port of
 * llama.cpp's examples/json_schema_to_grammar.py (same as
 * common/json-schema-to-grammar.cpp, which Ollama uses), written from reading
 * it (the llama.cpp release bundled with node-llama-cpp 3.21.1). Same rule
 * names, same rule text, same order, so the output is byte-equal to the
 * reference's (test/runtime/json-schema-grammar.test.ts runs both).
 * https://github.com/ggml-org/llama.cpp/blob/master/examples/json_schema_to_grammar.py
 *
 * Pure: no model, no I/O. What the reference refuses (a remote or non-local
 * `$ref`, a pattern without ^...$, a lookahead, unbalanced brackets) throws
 * {@link SchemaGrammarError} with the JSON path of the offending schema
 * (where the reference would assert, loop or ignore it).
 */

export class SchemaGrammarError extends Error {
  constructor(message: string, readonly path: string) {
    super(message);
    this.name = "SchemaGrammarError";
  }
}

type Schema = Record<string, unknown>;

function buildRepetition(itemRule: string, minItems: number, maxItems: number | null, separatorRule?: string): string {
  if (maxItems === 0) return "";
  if (minItems === 0 && maxItems === 1) return `${itemRule}?`;
  if (!separatorRule) {
    if (minItems === 1 && maxItems === null) return `${itemRule}+`;
    if (minItems === 0 && maxItems === null) return `${itemRule}*`;
    return `${itemRule}{${minItems},${maxItems !== null ? maxItems : ""}}`;
  }
  const result = itemRule + " " + buildRepetition(`(${separatorRule} ${itemRule})`, minItems > 0 ? minItems - 1 : 0, maxItems !== null ? maxItems - 1 : null);
  return minItems === 0 ? `(${result})?` : result;
}

const MAXSIZE = Number.MAX_SAFE_INTEGER;
const chr = (c: string, d: number) => String.fromCharCode(c.charCodeAt(0) + d);

/** llama.cpp's _generate_min_max_int: digits-wise alternatives for an integer range. */
function generateMinMaxInt(minValue: number | null, maxValue: number | null, out: string[], decimalsLeft = 16, topLevel = true): void {
  const digitRange = (from: string, to: string) => {
    out.push("[");
    if (from === to) out.push(from);
    else out.push(from, "-", to);
    out.push("]");
  };
  const moreDigits = (minDigits: number, maxDigits: number) => {
    out.push("[0-9]");
    if (minDigits === maxDigits && minDigits === 1) return;
    out.push("{", String(minDigits));
    if (maxDigits !== minDigits) {
      out.push(",");
      if (maxDigits !== MAXSIZE) out.push(String(maxDigits));
    }
    out.push("}");
  };
  const uniformRange = (fromStr: string, toStr: string): void => {
    let i = 0;
    while (i < fromStr.length && fromStr[i] === toStr[i]) i++;
    if (i > 0) out.push('"', fromStr.slice(0, i), '"');
    if (i < fromStr.length) {
      if (i > 0) out.push(" ");
      const subLen = fromStr.length - i - 1;
      if (subLen > 0) {
        const fromSub = fromStr.slice(i + 1);
        const toSub = toStr.slice(i + 1);
        const subZeros = "0".repeat(subLen);
        const subNines = "9".repeat(subLen);
        let toReached = false;
        out.push("(");
        if (fromSub === subZeros) {
          digitRange(fromStr[i]!, chr(toStr[i]!, -1));
          out.push(" ");
          moreDigits(subLen, subLen);
        } else {
          out.push("[", fromStr[i]!, "] ", "(");
          uniformRange(fromSub, subNines);
          out.push(")");
          if (fromStr.charCodeAt(i) < toStr.charCodeAt(i) - 1) {
            out.push(" | ");
            if (toSub === subNines) {
              digitRange(chr(fromStr[i]!, 1), toStr[i]!);
              toReached = true;
            } else {
              digitRange(chr(fromStr[i]!, 1), chr(toStr[i]!, -1));
            }
            out.push(" ");
            moreDigits(subLen, subLen);
          }
        }
        if (!toReached) {
          out.push(" | ");
          digitRange(toStr[i]!, toStr[i]!);
          out.push(" ");
          uniformRange(subZeros, toSub);
        }
        out.push(")");
      } else {
        out.push("[", fromStr[i]!, "-", toStr[i]!, "]");
      }
    }
  };

  if (minValue !== null && maxValue !== null) {
    if (minValue < 0 && maxValue < 0) {
      out.push('"-" (');
      generateMinMaxInt(-maxValue, -minValue, out, decimalsLeft, true);
      out.push(")");
      return;
    }
    if (minValue < 0) {
      out.push('"-" (');
      generateMinMaxInt(0, -minValue, out, decimalsLeft, true);
      out.push(") | ");
      minValue = 0;
    }
    let minS = String(minValue);
    const maxS = String(maxValue);
    for (let digits = minS.length; digits < maxS.length; digits++) {
      uniformRange(minS, "9".repeat(digits));
      minS = "1" + "0".repeat(digits);
      out.push(" | ");
    }
    uniformRange(minS, maxS);
    return;
  }
  const lessDecimals = Math.max(decimalsLeft - 1, 1);
  if (minValue !== null) {
    if (minValue < 0) {
      out.push('"-" (');
      generateMinMaxInt(null, -minValue, out, decimalsLeft, false);
      out.push(") | [0] | [1-9] ");
      moreDigits(0, decimalsLeft - 1);
    } else if (minValue === 0) {
      if (topLevel) {
        out.push("[0] | [1-9] ");
        moreDigits(0, lessDecimals);
      } else moreDigits(1, decimalsLeft);
    } else if (minValue <= 9) {
      const c = String(minValue);
      const rangeStart = topLevel ? "1" : "0";
      if (c > rangeStart) {
        digitRange(rangeStart, chr(c, -1));
        out.push(" ");
        moreDigits(1, lessDecimals);
        out.push(" | ");
      }
      digitRange(c, "9");
      out.push(" ");
      moreDigits(0, lessDecimals);
    } else {
      const minS = String(minValue);
      const length = minS.length;
      const c = minS[0]!;
      if (c > "1") {
        digitRange(topLevel ? "1" : "0", chr(c, -1));
        out.push(" ");
        moreDigits(length, lessDecimals);
        out.push(" | ");
      }
      digitRange(c, c);
      out.push(" (");
      generateMinMaxInt(parseInt(minS.slice(1), 10), null, out, lessDecimals, false);
      out.push(")");
      if (c < "9") {
        out.push(" | ");
        digitRange(chr(c, 1), "9");
        out.push(" ");
        moreDigits(length - 1, lessDecimals);
      }
    }
    return;
  }
  if (maxValue !== null) {
    if (maxValue >= 0) {
      if (topLevel) {
        out.push('"-" [1-9] ');
        moreDigits(0, lessDecimals);
        out.push(" | ");
      }
      generateMinMaxInt(0, maxValue, out, decimalsLeft, true);
    } else {
      out.push('"-" (');
      generateMinMaxInt(-maxValue, null, out, decimalsLeft, false);
      out.push(")");
    }
    return;
  }
  throw new Error("At least one of min_value or max_value must be set");
}

interface BuiltinRule {
  content: string;
  deps: string[];
}
const rule = (content: string, deps: string[] = []): BuiltinRule => ({ content, deps });

/** Whitespace: nothing, a space, or one or two newlines and at most 20 spaces/tabs (no runaway whitespace). */
const SPACE_RULE = String.raw`| " " | "\n"{1,2} [ \t]{0,20}`;

const PRIMITIVE_RULES: Record<string, BuiltinRule> = {
  boolean: rule('("true" | "false")'),
  "decimal-part": rule("[0-9]{1,16}"),
  "integral-part": rule("[0] | [1-9] [0-9]{0,15}"),
  number: rule('("-"? integral-part) ("." decimal-part)? ([eE] [-+]? integral-part)?', ["integral-part", "decimal-part"]),
  integer: rule('("-"? integral-part)', ["integral-part"]),
  value: rule("object | array | string | number | boolean | null", ["object", "array", "string", "number", "boolean", "null"]),
  object: rule('"{" space ( string ":" space value ("," space string ":" space value)* )? space "}"', ["string", "value"]),
  array: rule('"[" space ( value ("," space value)* )? space "]"', ["value"]),
  uuid: rule(String.raw`"\"" [0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12} "\""`),
  char: rule(String.raw`[^"\\\x7F\x00-\x1F] | [\\] (["\\bfnrt] | "u" [0-9a-fA-F]{4})`),
  string: rule(String.raw`"\"" char* "\""`, ["char"]),
  null: rule('"null"'),
};

const STRING_FORMAT_RULES: Record<string, BuiltinRule> = {
  date: rule('[0-9]{4} "-" ( "0" [1-9] | "1" [0-2] ) "-" ( "0" [1-9] | [1-2] [0-9] | "3" [0-1] )'),
  time: rule('([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{3} )? ( "Z" | ( "+" | "-" ) ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] )'),
  "date-time": rule('date "T" time', ["date", "time"]),
  "date-string": rule(String.raw`"\"" date "\""`, ["date"]),
  "time-string": rule(String.raw`"\"" time "\""`, ["time"]),
  "date-time-string": rule(String.raw`"\"" date-time "\""`, ["date-time"]),
};

const DOT = String.raw`[^\x0A\x0D]`;
const RESERVED_NAMES = new Set(["root", "dot", ...Object.keys(PRIMITIVE_RULES), ...Object.keys(STRING_FORMAT_RULES)]);
const INVALID_RULE_CHARS_RE = /[^a-zA-Z0-9-]+/g;
const GRAMMAR_LITERAL_ESCAPES: Record<string, string> = { "\r": "\\r", "\n": "\\n", '"': '\\"', "-": "\\-", "]": "\\]", "\\": "\\\\" };
const NON_LITERAL_SET = new Set("|.()[]{}*+?");
const ESCAPED_IN_REGEXPS_BUT_NOT_IN_LITERALS = new Set("^$.[]()|{}*+?");

/** Python's json.dumps with its defaults (", " and ": " separators, non-ASCII as \uXXXX), as the reference writes constants. */
export function pyJsonDumps(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  // Known difference: a float written 1.0 in the schema is 1 here (JSON.parse drops it), "1.0" in Python; both are valid JSON for it.
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "[" + value.map(pyJsonDumps).join(", ") + "]";
  if (typeof value === "object") return "{" + Object.entries(value as object).map(([k, v]) => `${pyJsonDumps(k)}: ${pyJsonDumps(v)}`).join(", ") + "}";
  throw new Error(`cannot write ${typeof value} as JSON`);
}

const isObject = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

export class SchemaConverter {
  private readonly rules = new Map<string, string>([["space", SPACE_RULE]]);
  private readonly refs = new Map<string, unknown>();
  private readonly refsBeingResolved = new Set<string>();

  private fail(message: string, path: string): never {
    throw new SchemaGrammarError(message, path || "/");
  }

  formatLiteral(literal: string): string {
    return '"' + literal.replace(/[\r\n"\\]/g, (m) => GRAMMAR_LITERAL_ESCAPES[m] ?? m) + '"';
  }

  private notStrings(strings: string[]): string {
    interface Trie { children: Map<string, Trie>; end: boolean }
    const trie: Trie = { children: new Map(), end: false };
    for (const s of strings) {
      let node = trie;
      for (const c of s) {
        let next = node.children.get(c);
        if (!next) node.children.set(c, (next = { children: new Map(), end: false }));
        node = next;
      }
      node.end = true;
    }
    const charRule = this.addPrimitive("char", PRIMITIVE_RULES.char!);
    const out = ['["] ( '];
    const visit = (node: Trie) => {
      const rejects: string[] = [];
      let first = true;
      for (const c of [...node.children.keys()].sort(pyStrCompare)) {
        const child = node.children.get(c)!;
        rejects.push(c);
        if (first) first = false;
        else out.push(" | ");
        out.push(`[${c}]`);
        if (child.children.size > 0) {
          out.push(" (");
          visit(child);
          out.push(")");
        } else if (child.end) out.push(` ${charRule}+`);
      }
      if (node.children.size > 0) {
        if (!first) out.push(" | ");
        out.push(`[^"${rejects.join("")}] ${charRule}*`);
      }
    };
    visit(trie);
    out.push(` )${trie.end ? "" : "?"} ["]`);
    return out.join("");
  }

  private addRule(name: string, rule: string): string {
    const escName = name.replace(INVALID_RULE_CHARS_RE, "-");
    let key: string;
    if (!this.rules.has(escName) || this.rules.get(escName) === rule) key = escName;
    else {
      let i = 0;
      while (this.rules.has(`${escName}${i}`) && this.rules.get(`${escName}${i}`) !== rule) i++;
      key = `${escName}${i}`;
    }
    this.rules.set(key, rule);
    return key;
  }

  /** Records every local `$ref` ("#/..."); anything else (remote, relative) is refused with its path. */
  resolveRefs(schema: unknown, url: string): void {
    const visit = (n: unknown, path: string): void => {
      if (Array.isArray(n)) n.forEach((x, i) => visit(x, `${path}/${i}`));
      else if (isObject(n)) {
        const ref = n.$ref;
        if (ref !== undefined && !this.refs.has(ref as string)) {
          if (typeof ref !== "string") this.fail("`$ref` must be a string", path);
          if (!ref.startsWith("#/") && ref !== "#") {
            this.fail(`unsupported \`$ref\` ${JSON.stringify(ref)}: only local references ("#/$defs/...") are resolved, nothing is fetched`, path);
          }
          const full = `${url}${ref}`;
          n.$ref = full;
          let target: unknown = schema;
          for (const rawSel of ref.split("#").at(-1)!.split("/").slice(1)) {
            const sel = rawSel.replace(/~1/g, "/").replace(/~0/g, "~");
            if (Array.isArray(target) && /^\d+$/.test(sel) && Number(sel) < target.length) target = target[Number(sel)];
            else if (isObject(target) && sel in target) target = target[sel];
            else this.fail(`\`$ref\` ${JSON.stringify(ref)} points at nothing (no ${JSON.stringify(sel)})`, path);
          }
          this.refs.set(full, target);
        } else {
          for (const [k, v] of Object.entries(n)) visit(v, `${path}/${k}`);
        }
      }
    };
    visit(schema, "");
  }

  private unionRule(name: string, alts: unknown[], path: string, key: string): string {
    return alts.map((alt, i) => this.visit(alt, `${name}${name ? "-" : "alternative-"}${i}`, `${path}/${key}/${i}`)).join(" | ");
  }

  private visitPattern(fullPattern: string, name: string, path: string): string {
    if (!(fullPattern.startsWith("^") && fullPattern.endsWith("$"))) {
      this.fail(`\`pattern\` ${JSON.stringify(fullPattern)} must start with "^" and end with "$" (as llama.cpp requires)`, path);
    }
    const pattern = fullPattern.slice(1, -1);
    const subRuleIds = new Map<string, string>();
    let i = 0;
    const length = pattern.length;
    type Part = [string, boolean];
    const toRule = ([txt, isLiteral]: Part) => (isLiteral ? `"${txt}"` : txt);
    const bad = (what: string): never => this.fail(`\`pattern\` ${JSON.stringify(fullPattern)}: ${what}`, path);

    const transform = (): Part => {
      const start = i;
      const seq: Part[] = [];
      // Literals merge only when the whole sequence is literal (as the reference's itertools.groupby + len(ret) == 1).
      const joinSeq = (): Part => {
        if (seq.length > 0 && seq.every((p) => p[1])) return [seq.map((p) => p[0]).join(""), true];
        if (seq.length === 1) return seq[0]!;
        return [seq.map(toRule).join(" "), false];
      };
      while (i < length) {
        const c = pattern[i]!;
        if (c === ".") {
          seq.push([this.addRule("dot", DOT), false]);
          i++;
        } else if (c === "(") {
          i++;
          if (i < length && pattern[i] === "?") bad(`unsupported syntax "(?" at index ${i} (lookaround, named or non-capturing groups)`);
          seq.push([`(${toRule(transform())})`, false]);
        } else if (c === ")") {
          i++;
          if (!(start > 0 && pattern[start - 1] === "(")) bad("unbalanced parentheses");
          return joinSeq();
        } else if (c === "[") {
          let sq = c;
          i++;
          while (i < length && pattern[i] !== "]") {
            if (pattern[i] === "\\") {
              sq += pattern.slice(i, i + 2);
              i += 2;
            } else {
              sq += pattern[i];
              i++;
            }
          }
          if (i >= length) bad("unbalanced square brackets");
          sq += "]";
          i++;
          seq.push([sq, false]);
        } else if (c === "|") {
          seq.push(["|", false]);
          i++;
        } else if (c === "*" || c === "+" || c === "?") {
          if (seq.length === 0) bad(`nothing to repeat at index ${i}`);
          seq[seq.length - 1] = [toRule(seq[seq.length - 1]!) + c, false];
          i++;
        } else if (c === "{") {
          let curly = c;
          i++;
          while (i < length && pattern[i] !== "}") curly += pattern[i++];
          if (i >= length) bad("unbalanced curly brackets");
          curly += "}";
          i++;
          const nums = curly.slice(1, -1).split(",").map((s) => s.trim());
          const int = (s: string) => (/^[+-]?\d+$/.test(s) ? parseInt(s, 10) : bad(`invalid quantifier ${curly}`));
          let minTimes = 0;
          let maxTimes: number | null = null;
          if (nums.length === 1) {
            minTimes = int(nums[0]!);
            maxTimes = minTimes;
          } else if (nums.length === 2) {
            minTimes = nums[0] ? int(nums[0]) : 0;
            maxTimes = nums[1] ? int(nums[1]) : null;
          } else bad(`invalid quantifier ${curly}`);
          if (seq.length === 0) bad(`nothing to repeat at index ${i}`);
          let [sub, subIsLiteral] = seq[seq.length - 1]!;
          if (!subIsLiteral) {
            let id = subRuleIds.get(sub);
            if (id === undefined) {
              id = this.addRule(`${name}-${subRuleIds.size + 1}`, sub);
              subRuleIds.set(sub, id);
            }
            sub = id;
          }
          seq[seq.length - 1] = [buildRepetition(subIsLiteral ? `"${sub}"` : sub, minTimes, maxTimes), false];
        } else {
          let literal = "";
          while (i < length) {
            if (pattern[i] === "\\" && i < length - 1) {
              const next = pattern[i + 1]!;
              if (ESCAPED_IN_REGEXPS_BUT_NOT_IN_LITERALS.has(next)) {
                i++;
                literal += pattern[i];
                i++;
              } else {
                literal += pattern.slice(i, i + 2);
                i += 2;
              }
            } else if (pattern[i] === '"') {
              literal += '\\"';
              i++;
            } else if (!NON_LITERAL_SET.has(pattern[i]!) && (i === length - 1 || literal === "" || pattern[i + 1] === "." || !NON_LITERAL_SET.has(pattern[i + 1]!))) {
              literal += pattern[i];
              i++;
            } else break;
          }
          if (literal) seq.push([literal, true]);
          else if (i < length && "}]".includes(pattern[i]!)) bad(`unbalanced ${pattern[i]} at index ${i}`);
        }
      }
      return joinSeq();
    };
    return this.addRule(name, `"\\"" (${toRule(transform())}) "\\""`);
  }

  private resolveRef(ref: string): string {
    const fragment = ref.split("#").at(-1)!;
    let refName = "ref" + fragment.replace(/[^a-zA-Z0-9-]+/g, "-");
    if (!this.rules.has(refName) && !this.refsBeingResolved.has(ref)) {
      this.refsBeingResolved.add(ref);
      refName = this.visit(this.refs.get(ref), refName, fragment);
      this.refsBeingResolved.delete(ref);
    }
    return refName;
  }

  private constantRule(value: unknown): string {
    return this.formatLiteral(pyJsonDumps(value));
  }

  visit(schemaIn: unknown, name: string, path: string): string {
    if (typeof schemaIn === "boolean") schemaIn = schemaIn ? {} : this.fail("the schema `false` accepts nothing", path);
    if (!isObject(schemaIn)) this.fail("a schema must be an object or a boolean", path);
    const schema = schemaIn;
    const type = schema.type;
    const format = schema.format;
    const ruleName = RESERVED_NAMES.has(name) ? name + "-" : name || "root";
    const has = (k: string) => k in schema;

    if (schema.$ref !== undefined) return this.addRule(ruleName, this.resolveRef(schema.$ref as string));
    if (has("oneOf") || has("anyOf")) {
      const key = schema.oneOf ? "oneOf" : "anyOf";
      const alts = schema[key];
      if (!Array.isArray(alts)) this.fail(`\`${key}\` must be a list of schemas`, path);
      return this.addRule(ruleName, this.unionRule(name, alts, path, key));
    }
    if (Array.isArray(type)) return this.addRule(ruleName, type.map((t, i) => this.visit({ ...schema, type: t }, `${name}${name ? "-" : "alternative-"}${i}`, path)).join(" | "));
    if (has("const")) return this.addRule(ruleName, this.constantRule(schema.const));
    if (has("enum")) {
      if (!Array.isArray(schema.enum)) this.fail("`enum` must be a list", path);
      return this.addRule(ruleName, "(" + schema.enum.map((v) => this.constantRule(v)).join(" | ") + ")");
    }
    if ((type === undefined || type === "object") && (has("properties") || (has("additionalProperties") && schema.additionalProperties !== true))) {
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const properties = Object.entries((schema.properties as Schema | undefined) ?? {});
      return this.addRule(ruleName, this.buildObjectRule(properties, required, name, schema.additionalProperties, path));
    }
    if ((type === undefined || type === "object" || type === "string") && has("allOf")) {
      if (!Array.isArray(schema.allOf)) this.fail("`allOf` must be a list of schemas", path);
      const required = new Set<string>();
      const properties: Array<[string, unknown]> = [];
      const enumSets: unknown[][] = [];
      const addComponent = (comp: unknown, isRequired: boolean) => {
        if (!isObject(comp)) return;
        if (comp.$ref !== undefined) comp = this.refs.get(comp.$ref as string);
        if (!isObject(comp)) return;
        if (isObject(comp.properties)) {
          for (const [k, v] of Object.entries(comp.properties)) {
            properties.push([k, v]);
            if (isRequired) required.add(k);
          }
        }
        if (Array.isArray(comp.enum)) enumSets.push(comp.enum);
      };
      for (const t of schema.allOf) {
        if (isObject(t) && Array.isArray(t.anyOf)) for (const tt of t.anyOf) addComponent(tt, false);
        else addComponent(t, true);
      }
      if (enumSets.length > 0) {
        const inter = enumSets.slice(1).reduce<unknown[]>((acc, s) => acc.filter((v) => s.some((w) => pyJsonDumps(w) === pyJsonDumps(v))), [...new Set(enumSets[0])]);
        if (inter.length > 0) {
          const sorted = [...inter].sort((a, b) => pyStrCompare(String(a), String(b)));
          return this.addRule(ruleName, "(" + sorted.map((v) => this.constantRule(v)).join(" | ") + ")");
        }
      }
      return this.addRule(ruleName, this.buildObjectRule(properties, required, name, undefined, path));
    }
    if ((type === undefined || type === "array") && (has("items") || has("prefixItems"))) {
      const items = has("items") ? schema.items : schema.prefixItems;
      const key = has("items") ? "items" : "prefixItems";
      if (Array.isArray(items)) {
        return this.addRule(ruleName, '"[" space ' + items.map((item, i) => this.visit(item, `${name}${name ? "-" : ""}tuple-${i}`, `${path}/${key}/${i}`)).join(' "," space ') + ' space "]"');
      }
      const itemRuleName = this.visit(items, `${name}${name ? "-" : ""}item`, `${path}/items`);
      const minItems = this.count(schema, "minItems", path) ?? 0;
      const maxItems = this.count(schema, "maxItems", path);
      return this.addRule(ruleName, '"[" space ' + buildRepetition(itemRuleName, minItems, maxItems, '"," space') + ' space "]"');
    }
    if ((type === undefined || type === "string") && has("pattern")) {
      if (typeof schema.pattern !== "string") this.fail("`pattern` must be a string", path);
      return this.visitPattern(schema.pattern, ruleName, path);
    }
    if ((type === undefined || type === "string") && typeof format === "string" && /^uuid[1-5]?$/.test(format)) {
      return this.addPrimitive(ruleName === "root" ? "root" : format, PRIMITIVE_RULES.uuid!);
    }
    if ((type === undefined || type === "string") && `${String(format)}-string` in STRING_FORMAT_RULES) {
      const prim = `${String(format)}-string`;
      return this.addRule(ruleName, this.addPrimitive(prim, STRING_FORMAT_RULES[prim]!));
    }
    if (type === "string" && (has("minLength") || has("maxLength"))) {
      const charRule = this.addPrimitive("char", PRIMITIVE_RULES.char!);
      const minLen = this.count(schema, "minLength", path) ?? 0;
      const maxLen = this.count(schema, "maxLength", path);
      return this.addRule(ruleName, String.raw`"\"" ` + buildRepetition(charRule, minLen, maxLen) + String.raw` "\""`);
    }
    if ((type === undefined || type === "integer") && (has("minimum") || has("exclusiveMinimum") || has("maximum") || has("exclusiveMaximum"))) {
      const num = (k: string) => {
        const v = schema[k];
        if (typeof v !== "number" || !Number.isSafeInteger(v)) this.fail(`\`${k}\` of an integer must be an integer, not ${JSON.stringify(v)}`, path);
        return v;
      };
      const minValue = has("minimum") ? num("minimum") : has("exclusiveMinimum") ? num("exclusiveMinimum") + 1 : null;
      const maxValue = has("maximum") ? num("maximum") : has("exclusiveMaximum") ? num("exclusiveMaximum") - 1 : null;
      if (minValue !== null && maxValue !== null && minValue > maxValue) this.fail(`no integer lies between ${minValue} and ${maxValue}`, path);
      const out = ["("];
      generateMinMaxInt(minValue, maxValue, out);
      out.push(")");
      return this.addRule(ruleName, out.join(""));
    }
    if (type === "object" || Object.keys(schema).length === 0) return this.addRule(ruleName, this.addPrimitive("object", PRIMITIVE_RULES.object!));
    if (type === undefined) return this.addRule(ruleName, this.addPrimitive("value", PRIMITIVE_RULES.value!));
    if (typeof type !== "string" || !(type in PRIMITIVE_RULES)) this.fail(`unknown \`type\` ${JSON.stringify(type)}`, path);
    return this.addPrimitive(ruleName === "root" ? "root" : type, PRIMITIVE_RULES[type]!);
  }

  private count(schema: Schema, key: string, path: string): number | null {
    const v = schema[key];
    if (v === undefined) return null;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) this.fail(`\`${key}\` must be a non-negative integer, not ${JSON.stringify(v)}`, path);
    return v;
  }

  private addPrimitive(name: string, r: BuiltinRule): string {
    const n = this.addRule(name, r.content);
    for (const dep of r.deps) {
      const depRule = PRIMITIVE_RULES[dep] ?? STRING_FORMAT_RULES[dep]!;
      if (!this.rules.has(dep)) this.addPrimitive(dep, depRule);
    }
    return n;
  }

  private buildObjectRule(properties: Array<[string, unknown]>, required: Set<string>, name: string, additional: unknown, path: string): string {
    const sortedProps = properties.map(([k]) => k);
    const kvRuleNames = new Map<string, string>();
    for (const [propName, propSchema] of properties) {
      const propRuleName = this.visit(propSchema, `${name}${name ? "-" : ""}${propName}`, `${path}/properties/${propName}`);
      kvRuleNames.set(propName, this.addRule(`${name}${name ? "-" : ""}${propName}-kv`, `${this.formatLiteral(pyJsonDumps(propName))} space ":" space ${propRuleName}`));
    }
    const requiredProps = sortedProps.filter((k) => required.has(k));
    const optionalProps = sortedProps.filter((k) => !required.has(k));
    if (additional !== undefined && additional !== null && additional !== false) {
      const subName = `${name}${name ? "-" : ""}additional`;
      const valueRule = isObject(additional) ? this.visit(additional, `${subName}-value`, `${path}/additionalProperties`) : this.addPrimitive("value", PRIMITIVE_RULES.value!);
      const keyRule = sortedProps.length === 0 ? this.addPrimitive("string", PRIMITIVE_RULES.string!) : this.addRule(`${subName}-k`, this.notStrings(sortedProps));
      kvRuleNames.set("*", this.addRule(`${subName}-kv`, `${keyRule} ":" space ${valueRule}`));
      optionalProps.push("*");
    }
    if (requiredProps.length === 0 && optionalProps.length === 0) return '"{" space "}"';
    let out = '"{" space ' + requiredProps.map((k) => kvRuleNames.get(k)!).join(' "," space ');
    if (optionalProps.length > 0) {
      out += " (";
      if (requiredProps.length > 0) out += ' "," space ( ';
      const recursiveRefs = (ks: string[], firstIsOptional: boolean): string => {
        const [k, ...rest] = ks as [string, ...string[]];
        const kvRuleName = kvRuleNames.get(k)!;
        const commaRef = `( "," space ${kvRuleName} )`;
        let res = firstIsOptional ? commaRef + (k === "*" ? "*" : "?") : kvRuleName + (k === "*" ? " " + commaRef + "*" : "");
        if (rest.length > 0) res += " " + this.addRule(`${name}${name ? "-" : ""}${k}-rest`, recursiveRefs(rest, true));
        return res;
      };
      out += optionalProps.map((_, i) => recursiveRefs(optionalProps.slice(i), false)).join(" | ");
      if (requiredProps.length > 0) out += " )";
      out += " )?";
    }
    return out + ' space "}"';
  }

  formatGrammar(): string {
    return [...this.rules.entries()].sort(([a], [b]) => pyStrCompare(a, b)).map(([n, r]) => `${n} ::= ${r}`).join("\n");
  }
}

/** Python's str ordering (by code point). */
function pyStrCompare(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** The GBNF grammar of a JSON Schema, as llama.cpp's json_schema_to_grammar.py writes it. */
export function jsonSchemaToGrammar(schema: unknown): string {
  const copy = JSON.parse(JSON.stringify(schema)) as unknown;
  const converter = new SchemaConverter();
  converter.resolveRefs(copy, "");
  converter.visit(copy, "", "");
  return converter.formatGrammar();
}
