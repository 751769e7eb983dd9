import { parse } from "csv-parse/sync";
import { ALL_ASSERTION_NAMES } from "./assertion-types.js";
import { PROMPTFOO_ONLY_TYPES } from "./promptfoo-types.js";

/**
 * Test cases from a CSV file, as promptfoo reads `tests: file://cases.csv`
 * (src/csv.ts and src/util/testCaseReader.ts in promptfoo/promptfoo): csv-parse
 * with a header row; each column is a var, except the special ones:
 * `__expected`, `__expected1`, ... (an assertion each, in promptfoo's string
 * shorthand, see assertionFromString), `__description`, `__metric` (the metric
 * of the row's assertions), `__threshold`, `__prefix` and `__suffix` (put
 * around the prompt). A row without `__description` is named `Row #n`.
 */

export interface CsvCell {
  /** 1-based line and column where the cell starts. */
  line: number;
  column: number;
}

export interface CsvCase {
  /** 1-based position among the data rows. */
  row: number;
  /** Line of the row in the file (1-based). */
  line: number;
  description: string;
  vars: Record<string, string>;
  /** Assertions as raw maps ({type, value, threshold?, metric?}), each with the cell it came from. */
  assert: { raw: Record<string, unknown>; cell: CsvCell }[];
  threshold?: number;
  prefix?: string;
  suffix?: string;
  /** Columns promptfoo knows that modelsmith does not run (e.g. __providerOutput), with their cells. */
  unsupported: { column: string; cell: CsvCell }[];
  /** Columns with one underscore where promptfoo's special ones take two (promptfoo warns). */
  singleUnderscore: { column: string; cell: CsvCell }[];
}

export class CsvError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

/** promptfoo's default threshold for `similar` cells, and for the types below that take one. */
const DEFAULT_SEMANTIC_SIMILARITY_THRESHOLD = 0.8;
const THRESHOLD_TYPES = new Set(["answer-relevance", "classifier", "context-faithfulness", "context-recall", "context-relevance", "cost", "latency", "levenshtein", "perplexity-score", "perplexity", "rouge-n", "similar", "starts-with"]);

/**
 * promptfoo's assertionFromString: `javascript:`/`fn:`/`eval:` prefixes, `grade:`
 * and `llm-rubric:`, `python:`, `file://x.js` (javascript), then
 * `[not-]type[(threshold)][:value]` over the known types, else `equals` with the
 * whole text. `types` is the list the regex matches (modelsmith's types).
 */
export function assertionFromString(expected: string, types: readonly string[] = CSV_TYPES): Record<string, unknown> {
  for (const prefix of ["javascript:", "fn:", "eval:"]) if (expected.startsWith(prefix)) return { type: "javascript", value: expected.slice(prefix.length).trim() };
  if (expected.startsWith("grade:") || expected.startsWith("llm-rubric:")) return { type: "llm-rubric", value: expected.slice(expected.startsWith("grade:") ? 6 : 11) };
  if (expected.startsWith("python:") || (expected.startsWith("file://") && (expected.endsWith(".py") || expected.includes(".py:")))) {
    return { type: "python", value: expected.slice(expected.startsWith("python:") ? 7 : 7).trim() };
  }
  if (expected.startsWith("file://") && (expected.endsWith(".js") || expected.endsWith(".ts") || expected.includes(".js:") || expected.includes(".ts:"))) {
    // promptfoo strips file:// here and resolves the bare path as a script; modelsmith's javascript takes it as file://.
    return { type: "javascript", value: expected.trim() };
  }
  const escaped = [...types].sort((a, b) => b.length - a.length).map((t) => t.replace(/[-/\\^$*+?.()|[\]{}]/g, "\\$&"));
  const m = new RegExp(`^(not-)?(${escaped.join("|")})(?:\\((\\d+(?:\\.\\d+)?)\\))?(?::([\\s\\S]*))?$`).exec(expected);
  if (m) {
    const [, not, type, thresholdText, value] = m as unknown as [string, string | undefined, string, string | undefined, string | undefined];
    const fullType = `${not ?? ""}${type}`;
    const threshold = thresholdText !== undefined ? Number.parseFloat(thresholdText) : NaN;
    if (type === "contains-all" || type === "contains-any" || type === "icontains-all" || type === "icontains-any") {
      return { type: fullType, value: (value ?? "").split(",").map((s) => s.trim()) };
    }
    if (type === "contains-json" || type === "is-json") return value === undefined ? { type: fullType } : { type: fullType, value };
    if (THRESHOLD_TYPES.has(type)) {
      // `threshold || default`: promptfoo gives every such cell a threshold (0.75, or 0.8 for similar).
      const t = threshold || (type === "similar" ? DEFAULT_SEMANTIC_SIMILARITY_THRESHOLD : 0.75);
      return { type: fullType, ...(value !== undefined ? { value } : {}), threshold: t };
    }
    return value === undefined ? { type: fullType } : { type: fullType, value };
  }
  return { type: "equals", value: expected };
}

/**
 * The types promptfoo's regex matches: its BaseAssertionTypesSchema, that is
 * modelsmith's types and promptfoo's own (a `cost(0.5):` cell is a cost
 * assertion, refused with MS6320 at its cell, not `equals` of the text).
 */
const CSV_TYPES: readonly string[] = [...ALL_ASSERTION_NAMES.filter((n) => !n.startsWith("not-")), ...Object.keys(PROMPTFOO_ONLY_TYPES).filter((t) => !["select-best", "max-score", "human"].includes(t))];

const SPECIAL = ["expected", "prefix", "suffix", "description", "providerOutput", "metric", "threshold"].map((k) => `_${k}`);

/** Parses a CSV test file; throws CsvError (with the line) when csv-parse refuses it. */
export function parseCsvCases(text: string): CsvCase[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, { columns: true, bom: true, skip_empty_lines: true, info: true, relax_column_count: false }) as typeof records;
  } catch (e) {
    const err = e as Error & { lines?: number; column?: number };
    throw new CsvError(err.message.replace(/^Invalid [^:]*: /, ""), err.lines);
  }
  const lines = text.replace(/^\ufeff/, "").split("\n");
  return records.map(({ record, info }, i) => {
    // info.lines is the last line of the record; a record spans at least one line.
    const line = firstLineOf(lines, info.lines, record);
    const cellOf = (column: string): CsvCell => {
      const header = Object.keys(record).indexOf(column);
      return { line, column: columnOffset(lines[line - 1] ?? "", header) };
    };
    const c: CsvCase = { row: i + 1, line, description: `Row #${i + 1}`, vars: {}, assert: [], unsupported: [], singleUnderscore: [] };
    let metric: string | undefined;
    for (const [key, value] of Object.entries(record)) {
      if (!key.startsWith("__") && SPECIAL.some((k) => key.startsWith(k))) c.singleUnderscore.push({ column: key, cell: cellOf(key) });
      if (key.startsWith("__expected")) {
        if (value.trim() !== "") c.assert.push({ raw: assertionFromString(value), cell: cellOf(key) });
      } else if (key === "__prefix") c.prefix = value;
      else if (key === "__suffix") c.suffix = value;
      else if (key === "__description") {
        if (value) c.description = value;
      } else if (key === "__metric") metric = value;
      else if (key === "__threshold") {
        const t = Number.parseFloat(value);
        if (t) c.threshold = t; // promptfoo: `...(threshold ? { threshold } : {})`
      } else if (key === "__providerOutput") {
        if (value !== "") c.unsupported.push({ column: key, cell: cellOf(key) });
      } else c.vars[key] = value;
    }
    if (metric !== undefined) for (const a of c.assert) a.raw.metric = metric;
    return c;
  });
}

/** The line a record starts on: its last line less the newlines inside its values. */
function firstLineOf(_lines: string[], lastLine: number, record: Record<string, string>): number {
  const inner = Object.values(record).reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
  return Math.max(1, lastLine - inner);
}

/** 1-based column where the `index`-th field of a CSV line starts (quotes respected). */
function columnOffset(line: string, index: number): number {
  let field = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (field === index) return i + 1;
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) field++;
  }
  return field === index ? line.length + 1 : 1;
}
