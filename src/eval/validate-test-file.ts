import { jsonErrorWithoutContent } from "../diagnostics/json-error.js";
import { error, hasErrors, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import { LineIndex } from "../diagnostics/position.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { validateWithSchema } from "../project/validate.js";
import { YamlSource, type YamlPath } from "../project/yaml-source.js";
import { checkAssertion } from "./check-assertion.js";
import { assignGraders, checkGrader, type GraderRef } from "./assertions/assign-graders.js";
import { CsvError, parseCsvCases, type CsvCase } from "./csv-cases.js";
import { transformCompileProblem, type ScriptFunction } from "./javascript.js";
import { schemaProblem } from "./json-schema.js";
import { checkOptions } from "./options.js";
import { casesFileSchema, defaultsFileSchema, testFileSchema } from "./schema.js";
import type { AssertSetInfo } from "./scoring.js";
import { combinationCount, MAX_COMBINATIONS, prepareVars, renderPrompt, renderTemplate, TemplateError, varCombinations, varText, type Vars, type VarValue } from "./templating.js";
import { DEFAULT_CASE_TIMEOUT_MS, parseTimeout } from "./timeout.js";
import type { Assertion, ChatMessage, TestCase, TestSuite, Transform } from "./test-file.js";

/** A file a test file names with `file://`, read beforehand (load-test-file.ts), so that validation stays pure. */
export interface ReferencedFile {
  /** The path as diagnostics show it (relative to where the test file is shown). */
  display: string;
  text?: string;
  /** Why it could not be read: code and message. */
  problem?: { code: string; message: string };
  /** For a script (.js, .cjs, .mjs): its module, imported. */
  module?: Record<string, unknown>;
}

export interface ValidateTestFileOptions {
  /** The project's model names; when given, `model:` must be one of them. */
  projectModels?: readonly string[];
  /** Files named by `file://`, keyed by the path as written (after file://, without a `:function` suffix). Absent: a file:// reference is reported as not read. */
  files?: ReadonlyMap<string, ReferencedFile>;
}

type Raw = Record<string, unknown>;
const isRecord = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

/** The shared YAML/schema checks report project codes; in a test file they are these. */
const CODE_IN_TEST_FILE: Record<string, string> = { MS4001: "MS6001", MS4002: "MS6002", MS4003: "MS6003", MS4004: "MS6004", MS4005: "MS6004" };
const recode = (d: Diagnostic): Diagnostic => ({ ...d, code: CODE_IN_TEST_FILE[d.code] ?? d.code });

/** What positions come from: a YAML file, or a CSV file's cells. */
interface Where {
  file: string;
  rangeAt(p: YamlPath, opts?: { key?: boolean }): SourceRange;
  /** The YAML source, when positions come from one (for option checks and placeholder positions). */
  yaml?: YamlSource;
}

/** One case as written, before expansion: where it is, and its raw map. */
interface RawCase {
  where: Where;
  at: YamlPath;
  raw: Raw;
  /** The file's display name and the case's 1-based number in it (the id is `file#n`). */
  file: string;
  number: number;
  csv?: CsvCase;
}

/** A file:// path as written: the path, and a `:fnName` suffix for scripts. */
export function splitFileRef(ref: string): { file: string; fn?: string } {
  const p = ref.slice("file://".length);
  const m = /^(.*\.(?:js|cjs|mjs|ts)):([A-Za-z_$][\w$]*)$/.exec(p);
  return m ? { file: m[1]!, fn: m[2]! } : { file: p };
}

/**
 * Parses and validates a test file's text. Pure: touches no file (files named
 * with file:// come in `opts.files`, read by load-test-file.ts). Reports every
 * problem, each at its position (in the test file, or in the file it names),
 * sorted by file and position; `suite` is set only when there is no error.
 *
 * Cases are built as promptfoo builds them: `defaults` (or promptfoo's
 * `defaultTest`) merged in, each var that holds a list of texts expanded into
 * one case per item (the cartesian product over such vars), a case without a
 * prompt run with each of the file's `prompts:`, and the prompt, messages and
 * string assertion values rendered as nunjucks templates over the vars.
 */
export function validateTestFile(text: string, file: string, opts: ValidateTestFileOptions = {}): { suite?: TestSuite; diagnostics: Diagnostic[]; source: YamlSource } {
  const source = new YamlSource(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file);
  if (source.diagnostics.length) return { diagnostics: source.diagnostics.map(recode), source };
  const value = source.value() ?? null;
  if (value === null) return { diagnostics: [error("MS6003", "the test file is empty: it needs a `tests:` list", { file, range: source.rangeAt([]), hint: "e.g. tests: [{prompt: Say hi, assert: [{type: icontains, value: hi}]}]" })], source };
  const v = new Validation(source, opts);
  const cases = v.run(value);
  const diagnostics = v.sorted();
  if (hasErrors(diagnostics)) return { diagnostics, source };
  const top = isRecord(value) ? value : {};
  const suite: TestSuite = { file, cases, ...(typeof top.model === "string" ? { model: top.model } : {}), ...(typeof top.description === "string" ? { description: top.description } : {}), ...(v.grader ? { grader: v.grader.name } : {}) };
  return { suite, diagnostics, source };
}

class Validation {
  readonly diagnostics: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  private readonly main: Where;
  private readonly fileOrder: string[];
  /** The file's grader: defaultTest's `options.provider`, else `grader:`. */
  grader?: GraderRef;

  constructor(
    readonly source: YamlSource,
    readonly opts: ValidateTestFileOptions,
  ) {
    this.main = { file: source.file, rangeAt: (p, o) => source.rangeAt(p, o), yaml: source };
    this.fileOrder = [source.file];
  }

  /** Errors so far (a warning, such as MS6321, does not drop a case). */
  errorCount(): number {
    return this.diagnostics.filter((d) => d.severity === "error").length;
  }

  /** Adds a diagnostic once (defaults' assertions are checked with every case that gets them). */
  push(...ds: Diagnostic[]): void {
    for (const d of ds) {
      const key = `${d.file}:${d.range?.start.offset}:${d.code}:${d.message}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.diagnostics.push(d);
      if (d.file && !this.fileOrder.includes(d.file)) this.fileOrder.push(d.file);
    }
  }

  sorted(): Diagnostic[] {
    const rank = (d: Diagnostic) => this.fileOrder.indexOf(d.file ?? this.source.file);
    return [...this.diagnostics].sort((a, b) => rank(a) - rank(b) || (a.range?.start.offset ?? 0) - (b.range?.start.offset ?? 0));
  }

  private at(w: Where, p: YamlPath, key = false) {
    return { file: w.file, range: w.rangeAt(p, { key }) };
  }

  run(value: unknown): TestCase[] {
    const { source, opts } = this;
    this.push(...validateWithSchema(source, testFileSchema, value).map(recode));
    const top = isRecord(value) ? value : {};
    if (typeof top.model === "string" && opts.projectModels && !opts.projectModels.includes(top.model)) {
      const hint = didYouMean(top.model, opts.projectModels) ?? (opts.projectModels.length ? `the project's models: ${opts.projectModels.join(", ")}` : undefined);
      this.push(error("MS6010", `model \`${top.model}\` is not in the project`, { ...this.at(this.main, ["model"]), hint }));
    }

    // defaults, or promptfoo's defaultTest (inline or file://).
    let defaults: Raw = isRecord(top.defaults) ? top.defaults : {};
    let defaultsWhere = this.main;
    let defaultsAt: YamlPath = ["defaults"];
    if (top.defaultTest !== undefined && top.defaults !== undefined) {
      this.push(error("MS6107", "`defaults` and `defaultTest` are the same thing: give one", { ...this.at(this.main, ["defaultTest"], true), hint: "defaultTest is promptfoo's name for defaults" }));
    } else if (isRecord(top.defaultTest)) {
      defaults = top.defaultTest;
      defaultsAt = ["defaultTest"];
    } else if (typeof top.defaultTest === "string") {
      const loaded = this.yamlFile(top.defaultTest, this.main, ["defaultTest"], defaultsFileSchema);
      if (loaded && isRecord(loaded.value)) {
        defaults = loaded.value;
        defaultsWhere = loaded.where;
        defaultsAt = [];
      }
    }
    if (isRecord(defaults.options)) this.push(...this.optionDiagnostics(defaultsWhere, [...defaultsAt, "options"], defaults.options));
    this.checkTimeout(defaultsWhere, defaultsAt, defaults);
    const defaultVars = this.varsOf(defaultsWhere, [...defaultsAt, "vars"], defaults.vars);
    const defaultTransform = this.transformOf(defaultsWhere, [...defaultsAt, "options", "transform"], isRecord(defaults.options) ? defaults.options.transform : undefined);
    // The grader: promptfoo's defaultTest.options.provider, else modelsmith's `grader:`.
    const fileGrader = this.graderOf(this.main, ["grader"], top.grader, "grader");
    const defaultGrader = this.graderOf(defaultsWhere, [...defaultsAt, "options", "provider"], isRecord(defaults.options) ? defaults.options.provider : undefined, `${defaultsAt.length ? defaultsAt[0] : "defaultTest"}.options.provider`);
    this.grader = defaultGrader ?? fileGrader;

    // prompts: (promptfoo's), for cases without a prompt of their own.
    const prompts: { text: string; where: Where; at: YamlPath }[] = [];
    if (Array.isArray(top.prompts)) {
      top.prompts.forEach((p, i) => {
        if (typeof p !== "string") return;
        if (p.startsWith("file://")) {
          const f = this.file(p, this.main, ["prompts", i]);
          if (f?.text !== undefined) prompts.push({ text: f.text.trim(), where: this.main, at: ["prompts", i] });
        } else prompts.push({ text: p, where: this.main, at: ["prompts", i] });
      });
    }

    const cases: TestCase[] = [];
    for (const rc of this.rawCases(top.tests)) cases.push(...this.expand(rc, { defaults, defaultsWhere, defaultsAt, defaultVars, defaultTransform, prompts, ...(this.grader ? { grader: this.grader } : {}) }));
    return cases;
  }

  /** The cases as written: inline maps, and those of files named by file:// (YAML lists or CSV). */
  private rawCases(tests: unknown): RawCase[] {
    const out: RawCase[] = [];
    const fromFile = (ref: string, at: YamlPath) => {
      const { file } = splitFileRef(ref);
      if (/\.csv$/i.test(file)) {
        const f = this.file(ref, this.main, at);
        if (f?.text === undefined) return;
        let rows: CsvCase[];
        try {
          rows = parseCsvCases(f.text);
        } catch (e) {
          const ce = e as CsvError;
          const lines = new LineIndex(f.text);
          this.push(error("MS6103", `invalid CSV in ${f.display}: ${ce.message}`, { file: f.display, range: ce.line ? lines.range(lineStart(lines, ce.line), lineStart(lines, ce.line)) : lines.range(0, 0), hint: "promptfoo's CSV: a header row of var names and __expected columns, then one row per case" }));
          return;
        }
        const lines = new LineIndex(f.text);
        for (const row of rows) {
          const cell = (c: { line: number; column: number }) => {
            const start = lineStart(lines, c.line) + c.column - 1;
            const text = lines.lineText(c.line);
            const rest = text.slice(c.column - 1);
            const len = rest.startsWith('"') ? (/^"(?:[^"]|"")*"/.exec(rest)?.[0].length ?? rest.length) : (rest.indexOf(",") < 0 ? rest.length : rest.indexOf(","));
            return lines.range(start, start + Math.max(1, len));
          };
          const cells = new Map<string, SourceRange>();
          row.assert.forEach((a, i) => cells.set(`__assert${i}`, cell(a.cell)));
          for (const u of [...row.unsupported, ...row.singleUnderscore]) cells.set(u.column, cell(u.cell));
          const rowRange = lines.range(lineStart(lines, row.line), lineStart(lines, row.line) + lines.lineText(row.line).length);
          const where: Where = { file: f.display, rangeAt: (p) => (typeof p[1] === "number" && p[0] === "assert" ? cells.get(`__assert${p[1]}`) : typeof p[0] === "string" ? cells.get(p[0]) : undefined) ?? rowRange };
          for (const u of row.unsupported) this.push(error("MS6103", `the CSV column \`${u.column}\` is not supported by modelsmith`, { file: f.display, range: cells.get(u.column)!, hint: "modelsmith runs the model: a fixed provider output has no place here; drop the column" }));
          for (const u of row.singleUnderscore) this.push(error("MS6103", `CSV column \`${u.column}\` has one underscore; promptfoo's special columns take two`, { file: f.display, range: cells.get(u.column)!, hint: `did you mean \`_${u.column}\`?` }));
          const raw: Raw = {
            description: row.description,
            vars: row.vars,
            assert: row.assert.map((a) => a.raw),
            ...(row.threshold !== undefined ? { threshold: row.threshold } : {}),
            ...(row.prefix !== undefined ? { __prefix: row.prefix } : {}),
            ...(row.suffix !== undefined ? { __suffix: row.suffix } : {}),
          };
          out.push({ where, at: [], raw, file: f.display, number: row.row, csv: row });
        }
        return;
      }
      const loaded = this.yamlFile(ref, this.main, at, casesFileSchema);
      if (!loaded) return;
      const list = Array.isArray(loaded.value) ? loaded.value : [];
      list.forEach((raw, i) => {
        if (isRecord(raw)) out.push({ where: loaded.where, at: [i], raw, file: loaded.where.file, number: i + 1 });
      });
    };
    if (typeof tests === "string") fromFile(tests, ["tests"]);
    else if (Array.isArray(tests)) {
      tests.forEach((t, i) => {
        if (typeof t === "string") fromFile(t, ["tests", i]);
        else if (isRecord(t)) out.push({ where: this.main, at: ["tests", i], raw: t, file: this.source.file, number: i + 1 });
      });
    }
    return out;
  }

  /** A referenced file, or undefined after reporting why it could not be read. */
  private file(ref: string, w: Where, at: YamlPath): ReferencedFile | undefined {
    const { file } = splitFileRef(ref);
    if (!this.opts.files) return undefined; // validated without its files (pure use): nothing to check them against
    const f = this.opts.files.get(file);
    if (!f) {
      this.push(error("MS6102", `${file} was not read`, { ...this.at(w, at), hint: "file:// references are read when the test file is loaded from disk (modelsmith test, check)" }));
      return undefined;
    }
    if (f.problem) {
      this.push(error(f.problem.code, `${f.display} ${f.problem.message}`, { ...this.at(w, at), hint: "paths after file:// are relative to the test file" }));
      return undefined;
    }
    return f;
  }

  /** A YAML (or JSON) file named by file://, parsed with positions and checked against `schema`. */
  private yamlFile(ref: string, w: Where, at: YamlPath, schema?: object): { value: unknown; where: Where } | undefined {
    const f = this.file(ref, w, at);
    if (f?.text === undefined) return undefined;
    const src = new YamlSource(f.text.replace(/^\ufeff/, ""), f.display);
    if (src.diagnostics.length) {
      this.push(...src.diagnostics.map(recode));
      return undefined;
    }
    const where: Where = { file: f.display, rangeAt: (p, o) => src.rangeAt(p, o), yaml: src };
    if (schema) this.push(...validateWithSchema(src, schema, src.value()).map(recode));
    return { value: src.value(), where };
  }

  /** A case's or defaults' `vars`: a map, or file://vars.yaml; var values that are file:// are read as promptfoo's renderPrompt reads them. */
  private varsOf(w: Where, at: YamlPath, raw: unknown): Vars {
    let map: Raw = {};
    let mapWhere = w;
    let mapAt = at;
    if (typeof raw === "string") {
      if (!raw.startsWith("file://")) {
        this.push(error("MS6004", "`vars` takes a map, or file://vars.yaml", this.at(w, at)));
        return {};
      }
      const loaded = this.yamlFile(raw, w, at);
      if (!loaded) return {};
      if (!isRecord(loaded.value)) {
        this.push(error("MS6004", `${loaded.where.file} must hold a map of vars`, this.at(w, at)));
        return {};
      }
      map = loaded.value;
      mapWhere = loaded.where;
      mapAt = [];
    } else if (isRecord(raw)) map = raw;
    const out: Vars = {};
    for (const [k, v] of Object.entries(map)) {
      if (typeof v === "string" && v.startsWith("file://")) {
        const f = this.file(v, mapWhere, [...mapAt, k]);
        if (f?.text === undefined) continue;
        // promptfoo: .yaml/.yml is parsed and given as JSON text; other files are their text, trimmed.
        out[k] = /\.ya?ml$/i.test(splitFileRef(v).file) ? JSON.stringify(parseYamlLoose(f.text)) : f.text.trim();
      } else if (v !== undefined) out[k] = v as VarValue;
    }
    return out;
  }

  private transformOf(w: Where, at: YamlPath, raw: unknown): Transform | undefined {
    if (raw === undefined) return undefined;
    if (typeof raw !== "string" || raw.trim() === "") {
      this.push(error("MS6105", "`transform` takes javascript (a string) or file://script.js", this.at(w, at)));
      return undefined;
    }
    if (raw.startsWith("file://")) {
      const fn = this.scriptFunction(raw, w, at);
      return fn ? { code: raw, fn } : undefined;
    }
    const problem = transformCompileProblem(raw);
    if (problem) {
      this.push(error("MS6105", `transform does not compile: ${problem}`, { ...this.at(w, at), hint: "one line is an expression over `output` (e.g. output.trim()); several lines are a function body that returns" }));
      return undefined;
    }
    return { code: raw };
  }

  /** The function a `file://script.js[:fnName]` names: the named export, else the default export (module.exports). */
  private scriptFunction(ref: string, w: Where, at: YamlPath): ScriptFunction | undefined {
    const f = this.file(ref, w, at);
    if (!f) return undefined;
    const { fn } = splitFileRef(ref);
    const mod = f.module ?? {};
    const def = mod.default as unknown;
    const picked = fn ? (mod[fn] ?? (isRecord(def) || typeof def === "function" ? (def as Record<string, unknown>)[fn] : undefined)) : typeof def === "function" ? def : mod.default;
    if (typeof picked !== "function") {
      this.push(error("MS6106", fn ? `${f.display} exports no function \`${fn}\`` : `${f.display} does not export a function`, { ...this.at(w, at), hint: fn ? `exports: ${Object.keys(mod).join(", ") || "none"}` : "module.exports = (output, context) => ..., or name one: file://check.js:fnName" }));
      return undefined;
    }
    return picked as ScriptFunction;
  }

  private optionDiagnostics(w: Where, at: YamlPath, options: Raw): Diagnostic[] {
    if (!w.yaml) return [];
    const { transform: _t, provider: _p, prefix, suffix, disableDefaultAsserts, ...ollama } = options;
    const out = checkOptions(w.yaml, at, ollama);
    // promptfoo's own options (TestCase.options): prefix and suffix put around the prompt, disableDefaultAsserts.
    for (const [k, v] of [["prefix", prefix], ["suffix", suffix]] as const) {
      if (v !== undefined && typeof v !== "string") out.push(error("MS6012", `option \`${k}\` must be a text`, { ...this.at(w, [...at, k]), hint: `promptfoo's ${k}: text put ${k === "prefix" ? "before" : "after"} the prompt` }));
    }
    if (disableDefaultAsserts !== undefined && typeof disableDefaultAsserts !== "boolean") out.push(error("MS6012", "option `disableDefaultAsserts` must be true or false", { ...this.at(w, [...at, "disableDefaultAsserts"]), hint: "true: the case does not get defaultTest's assertions" }));
    return out;
  }

  /** A grader named at `at` (`grader:` or an `options.provider`): a project model, checked (MS6202); undefined when absent. */
  private graderOf(w: Where, at: YamlPath, value: unknown, label: string): GraderRef | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "string" || value.trim() === "") {
      if (label === "grader") return undefined; // the schema's error
      this.push(error("MS6202", `\`${label}\` names the grader: a model of the project`, { ...this.at(w, at), hint: "e.g. provider: judge; promptfoo's provider ids and maps are not models of the project" }));
      return undefined;
    }
    const ref: GraderRef = { name: value, file: w.file, range: w.rangeAt(at), label };
    this.push(...checkGrader(ref, this.opts.projectModels));
    return ref;
  }

  /** `timeout:` (of a case or of defaults), when present, is a positive time (timeout.ts). */
  private checkTimeout(w: Where, here: YamlPath, raw: Raw): void {
    if (raw.timeout === undefined || (typeof raw.timeout !== "number" && typeof raw.timeout !== "string")) return; // absent, or the schema's error
    if (parseTimeout(raw.timeout) !== undefined) return;
    this.push(error("MS6004", `\`timeout\` must be a time above 0 and at most a day, got ${JSON.stringify(raw.timeout)}`, { ...this.at(w, [...here, "timeout"]), hint: "seconds (30, 0.5) or a duration with its unit: 500ms, 30s, 2m" }));
  }

  /** One case as written, expanded: var combinations × prompts, each rendered and checked. */
  private expand(
    rc: RawCase,
    d: { defaults: Raw; defaultsWhere: Where; defaultsAt: YamlPath; defaultVars: Vars; defaultTransform?: Transform; prompts: { text: string; where: Where; at: YamlPath }[]; grader?: GraderRef },
  ): TestCase[] {
    const { where: w, at: here, raw } = rc;
    const before = this.errorCount();
    if (isRecord(raw.options)) this.push(...this.optionDiagnostics(w, [...here, "options"], raw.options));
    this.checkTimeout(w, here, raw);
    const transform = isRecord(raw.options) && raw.options.transform !== undefined ? this.transformOf(w, [...here, "options", "transform"], raw.options.transform) : d.defaultTransform;
    const vars: Vars = { ...d.defaultVars, ...this.varsOf(w, [...here, "vars"], raw.vars) };
    const grader = (isRecord(raw.options) ? this.graderOf(w, [...here, "options", "provider"], raw.options.provider, "options.provider") : undefined) ?? d.grader;

    // Exactly one of prompt and messages, or the file's prompts.
    if (raw.prompt !== undefined && raw.messages !== undefined) this.push(error("MS6004", "a test case takes `prompt` or `messages`, not both", { ...this.at(w, [...here, "messages"], true), hint: "`prompt` is one user turn; `messages` a whole chat" }));
    else if (raw.prompt === undefined && raw.messages === undefined && d.prompts.length === 0) {
      this.push(error("MS6003", "a test case needs `prompt` or `messages`", { ...this.at(w, here), hint: rc.csv ? "a CSV row gives vars: put the prompt in the test file's `prompts:` list, e.g. prompts: [\"Say hi to {{name}}\"]" : undefined }));
    }
    if (raw.raw === true && raw.messages !== undefined) this.push(error("MS6004", "`raw` applies to `prompt` only", this.at(w, [...here, "raw"], true)));

    const ownAssert = Array.isArray(raw.assert) ? raw.assert : [];
    // promptfoo's prepareTestCaseForEval: options.disableDefaultAsserts drops defaultTest's assertions for the case.
    const disableDefaults = isRecord(raw.options) && raw.options.disableDefaultAsserts === true;
    const defaultAssert = !disableDefaults && Array.isArray(d.defaults.assert) ? d.defaults.assert : [];
    const none = (a: unknown) => a === undefined || (Array.isArray(a) && a.length === 0);
    if (none(raw.assert) && none(defaultAssert)) this.push(error("MS6014", `test case ${rc.number} has no assertions`, { ...this.at(w, here), hint: "add an `assert:` list, so that the case can fail" }));

    // promptfoo: `testCase.options?.prefix || defaultTest.options?.prefix || ''` (a CSV row's __prefix is its options.prefix), likewise suffix.
    const opt = (o: unknown, k: string) => (isRecord(o) && typeof o[k] === "string" ? (o[k] as string) : "");
    const affix = (k: "prefix" | "suffix") => (typeof raw[`__${k}`] === "string" ? (raw[`__${k}`] as string) : "") || opt(raw.options, k) || opt(d.defaults.options, k);
    if (raw.messages !== undefined && (affix("prefix") || affix("suffix"))) {
      this.push(error("MS6004", "`prefix` and `suffix` apply to `prompt`, not to `messages`", { ...this.at(w, [...here, "messages"], true), hint: "write the text into the messages" }));
    }
    const inputs: { prompt?: string; messages?: Raw[]; where: Where; at: YamlPath }[] =
      raw.prompt !== undefined || raw.messages !== undefined
        ? [{ ...(typeof raw.prompt === "string" ? { prompt: raw.prompt } : {}), ...(Array.isArray(raw.messages) ? { messages: raw.messages.filter(isRecord) } : {}), where: w, at: here }]
        : d.prompts.map((p) => ({ prompt: p.text, where: p.where, at: p.at }));
    if (combinationCount(vars) > MAX_COMBINATIONS) {
      this.push(error("MS6004", `the list vars of test case ${rc.number} expand into ${combinationCount(vars)} cases, more than ${MAX_COMBINATIONS}`, { ...this.at(w, [...here, "vars"]), hint: "each var holding a list multiplies the cases; split the case, or shorten the lists" }));
      return [];
    }
    const combos = varCombinations(vars);
    const expanded = Object.keys(vars).filter((k) => Array.isArray(vars[k]) && typeof (vars[k] as VarValue[])[0] === "string");
    const cases: TestCase[] = [];
    const many = inputs.length * combos.length > 1;
    inputs.forEach((input, pi) => {
      combos.forEach((combo, ci) => {
        const cv = prepareVars(combo);
        const k = pi * combos.length + ci;
        const prefix = affix("prefix");
        const suffix = affix("suffix");
        const prompt = input.prompt !== undefined ? this.render(prefix + input.prompt + suffix, cv, input.where, input.where === w ? [...here, "prompt"] : input.at, true) : undefined;
        const messages = input.messages?.map((m, i) => ({ role: m.role as ChatMessage["role"], content: typeof m.content === "string" ? (this.render(m.content, cv, w, [...here, "messages", i, "content"], true) ?? "") : "" }));
        const sets: AssertSetInfo[] = [];
        const own = this.assertions(w, [...here, "assert"], ownAssert, cv, sets);
        const fromDefaults = this.assertions(d.defaultsWhere, [...d.defaultsAt, "assert"], defaultAssert, cv, sets);
        this.push(...assignGraders(grader, w.file, own, this.opts.projectModels), ...assignGraders(grader, d.defaultsWhere.file, fromDefaults, this.opts.projectModels));
        const assertions = [...own, ...fromDefaults];
        if (this.errorCount() > before) return;
        const label = many ? ` [${[...(inputs.length > 1 ? [`prompt ${pi + 1}`] : []), ...expanded.map((n) => `${n}=${varText(combo[n]!)}`)].join(", ")}]` : "";
        cases.push(this.buildCase(rc, d.defaults, cv, prompt, messages, assertions, sets, transform, many ? `#${rc.number}.${k + 1}` : `#${rc.number}`, label));
      });
    });
    return this.errorCount() > before ? [] : cases;
  }

  /** Renders one template at `at`; reports a template error (MS6101) or, for prompts, an undefined variable (MS6011). */
  private render(template: string, vars: Vars, w: Where, at: YamlPath, isPrompt: boolean): string | undefined {
    try {
      const r = isPrompt ? renderPrompt(template, vars) : renderTemplate(template, vars);
      for (const name of r.undefinedNames) {
        if (guarded(template, name)) continue;
        const hint = didYouMean(name, Object.keys(vars)) ?? `define it under \`vars:\`, e.g. vars: {${name}: ...}`;
        this.push(error("MS6011", `undefined variable \`${name}\``, { file: w.file, range: placeholderRange(w, at, template, name), hint }));
      }
      return r.text;
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      const pinned = templateErrorRange(w, at, template, e);
      this.push(error("MS6101", `invalid template: ${e.message}${e.line !== undefined && !pinned ? ` (line ${e.line}, column ${e.column} of the text)` : ""}`, { file: w.file, range: pinned ?? w.rangeAt(at), hint: "prompts and assertion values are nunjucks templates, as in promptfoo: {{ var }}, {{ var | lower }}, {% if %}...{% endif %}" }));
      return undefined;
    }
  }

  /** Checks an assert list with values rendered over `vars`; assert-sets add their assertions with the set's index. */
  private assertions(w: Where, at: YamlPath, list: readonly unknown[], vars: Vars, sets: AssertSetInfo[], inSet?: number): Assertion[] {
    const out: Assertion[] = [];
    list.forEach((raw, i) => {
      const here = [...at, i];
      if (!isRecord(raw)) return;
      if (raw.type === "assert-set") {
        if (inSet !== undefined) return void this.push(error("MS6104", "an assert-set cannot hold another assert-set", { ...this.at(w, [...here, "type"]), hint: "promptfoo refuses nested sets too" }));
        if (!Array.isArray(raw.assert)) return void this.push(error("MS6104", "an assert-set needs `assert`: the list of its assertions", { ...this.at(w, here), hint: "e.g. {type: assert-set, threshold: 0.5, assert: [{type: contains, value: a}, {type: contains, value: b}]}" }));
        for (const k of ["value", "flags", "transform"]) if (raw[k] !== undefined) this.push(error("MS6104", `an assert-set takes assert, threshold, weight and metric, not \`${k}\``, this.at(w, [...here, k], true)));
        const index = sets.length;
        sets.push({ weight: typeof raw.weight === "number" ? raw.weight : 1, ...(typeof raw.threshold === "number" ? { threshold: raw.threshold } : {}), ...(typeof raw.metric === "string" ? { metric: this.render(raw.metric, vars, w, [...here, "metric"], false) ?? raw.metric } : {}) });
        out.push(...this.assertions(w, [...here, "assert"], raw.assert, vars, sets, index));
        return;
      }
      const rendered = this.renderValue(raw, vars, w, here);
      if (!rendered) return;
      const r = checkAssertion(w, here, rendered);
      this.push(...r.diagnostics);
      if (!r.assertion) return;
      let a: Assertion = r.assertion;
      if (a.type === "javascript" && a.value.kind === "code" && a.value.code.startsWith("file://")) {
        const fn = this.scriptFunction(a.value.code, w, [...here, "value"]);
        if (!fn) return;
        a = { ...a, value: { ...a.value, fn } };
      }
      if (a.value.kind === "schema-file") {
        const schema = this.schemaFile(a.value.path, w, [...here, "value"]);
        if (schema) a = { ...a, value: { ...a.value, schema } };
      }
      if (typeof raw.metric === "string") a = { ...a, metric: this.render(raw.metric, vars, w, [...here, "metric"], false) ?? raw.metric };
      if (raw.transform !== undefined) {
        const t = this.transformOf(w, [...here, "transform"], raw.transform);
        if (t) a = { ...a, transform: t };
      }
      if (inSet !== undefined) a = { ...a, set: inSet };
      out.push(a);
    });
    return out;
  }

  /** The assertion with its value rendered as promptfoo's runAssertion renders it: a string, or each string of a list; file:// values of other types read from the file. */
  private renderValue(raw: Raw, vars: Vars, w: Where, here: YamlPath): Raw | undefined {
    const v = raw.value;
    const type = typeof raw.type === "string" ? raw.type.replace(/^not-/, "") : "";
    if (typeof v === "string") {
      if (v.startsWith("file://")) {
        if (type === "javascript" || type === "is-json" || type === "contains-json") return raw;
        // promptfoo's processFileReference: .json and .yaml parsed, .txt its text trimmed.
        const f = this.file(v, w, [...here, "value"]);
        if (f?.text === undefined) return undefined;
        const file = splitFileRef(v).file;
        if (/\.json$/i.test(file) || /\.ya?ml$/i.test(file)) return { ...raw, value: parseYamlLoose(f.text) };
        if (/\.txt$/i.test(file)) return { ...raw, value: f.text.trim() };
        this.push(error("MS6102", `${f.display}: an assertion value file is .txt, .json, .yaml or .yml`, { ...this.at(w, [...here, "value"]), hint: "promptfoo reads the same kinds (processFileReference)" }));
        return undefined;
      }
      const text = this.render(v, vars, w, [...here, "value"], false);
      return text === undefined ? undefined : { ...raw, value: text };
    }
    if (Array.isArray(v)) {
      let ok = true;
      const items = v.map((x, i) => {
        if (typeof x !== "string") return x as unknown;
        const t = this.render(x, vars, w, [...here, "value", i], false);
        if (t === undefined) ok = false;
        return t;
      });
      return ok ? { ...raw, value: items } : undefined;
    }
    return raw;
  }

  /** An is-json schema file (JSON or YAML), checked as a JSON Schema. */
  private schemaFile(p: string, w: Where, at: YamlPath): object | undefined {
    if (!this.opts.files) return undefined;
    const f = this.opts.files.get(p);
    if (!f) {
      this.push(error("MS6009", `schema file ${p} was not read`, { ...this.at(w, at), hint: "schema paths are relative to the test file" }));
      return undefined;
    }
    if (f.problem) {
      this.push(error(f.problem.code === "MS6102" ? "MS6009" : f.problem.code, `schema file ${p} ${f.problem.message}`, { ...this.at(w, at), hint: "schema paths are relative to the test file" }));
      return undefined;
    }
    const r = parseSchemaText(f.text ?? "", /\.ya?ml$/i.test(p));
    if ("problem" in r) {
      this.push(error(r.problem.code, `schema file ${p} ${r.problem.message}`, { ...this.at(w, at), hint: "schema paths are relative to the test file" }));
      return undefined;
    }
    return r.schema;
  }

  private buildCase(rc: RawCase, defaults: Raw, vars: Vars, prompt: string | undefined, messages: ChatMessage[] | undefined, assertions: Assertion[], sets: AssertSetInfo[], transform: Transform | undefined, idSuffix: string, label: string): TestCase {
    const raw = rc.raw;
    const num = (k: string) => (typeof raw[k] === "number" ? (raw[k] as number) : typeof defaults[k] === "number" ? (defaults[k] as number) : undefined);
    const threshold = num("threshold");
    const { transform: _t1, provider: _p1, prefix: _x1, suffix: _y1, disableDefaultAsserts: _z1, ...ownOptions } = isRecord(raw.options) ? raw.options : {};
    const { transform: _t2, provider: _p2, prefix: _x2, suffix: _y2, disableDefaultAsserts: _z2, ...defaultOptions } = isRecord(defaults.options) ? defaults.options : {};
    const description = typeof raw.description === "string" && raw.description.trim() !== "" ? raw.description : undefined;
    return {
      index: rc.number - 1,
      id: `${rc.file}${idSuffix}`,
      name: `${description ?? caseName(prompt ?? messages?.[messages.length - 1]?.content ?? "")}${label}`,
      file: rc.file,
      range: rc.where.rangeAt(rc.at),
      ...(prompt !== undefined ? { prompt } : {}),
      ...(messages !== undefined ? { messages } : {}),
      raw: raw.raw === true,
      options: { ...defaultOptions, ...ownOptions },
      vars: Object.fromEntries(Object.entries(vars).map(([k, x]) => [k, varText(x)])),
      repeat: num("repeat") ?? 1,
      passRate: num("passRate") ?? 1,
      ...(threshold !== undefined ? { threshold } : {}),
      timeoutMs: parseTimeout((raw.timeout ?? defaults.timeout) as string | number | undefined) ?? DEFAULT_CASE_TIMEOUT_MS,
      assert: assertions,
      ...(sets.length ? { assertSets: sets } : {}),
      ...(transform ? { transform } : {}),
    };
  }
}

function lineStart(lines: LineIndex, line: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) offset += lines.lineText(l).length + 1;
  return offset;
}

/** A template that reads `name` only under a guard (`| default`, `{% if name %}`, `is defined`): undefined is meant there. */
function guarded(template: string, name: string): boolean {
  const n = name.replace(/[$]/g, "\\$");
  return new RegExp(`\\b${n}\\b[^}%]*\\|\\s*(default|d)\\b`).test(template) || new RegExp(`\\{%-?\\s*(if|elif|unless)\\b[^%]*\\b${n}\\b`).test(template) || new RegExp(`\\b${n}\\s+is\\s+(not\\s+)?defined`).test(template);
}

/**
 * Where a variable is written: its first `{{ name` in the source of the scalar
 * (escapes and folding can make value offsets differ from source offsets, so
 * the text is searched for); the whole scalar when not found.
 */
function placeholderRange(w: Where, at: YamlPath, template: string, name: string): SourceRange {
  const whole = w.rangeAt(at);
  if (!w.yaml) return whole;
  const m = new RegExp(`\\{\\{-?\\s*${name.replace(/[$]/g, "\\$")}\\b[^}]*\\}\\}`).exec(template);
  if (!m) return whole;
  const src = w.yaml.text.slice(whole.start.offset, whole.end.offset);
  const i = src.indexOf(m[0]);
  return i < 0 ? whole : w.yaml.lines.range(whole.start.offset + i, whole.start.offset + i + m[0].length);
}

/**
 * Where in the source a template error is: nunjucks' line and column mapped
 * into the scalar (found by its line's text, as escapes can shift offsets), or
 * for an unclosed tag its opening `{{` / `{%`. undefined when it cannot be told.
 */
function templateErrorRange(w: Where, at: YamlPath, template: string, e: TemplateError): SourceRange | undefined {
  if (!w.yaml) return undefined;
  const whole = w.rangeAt(at);
  const src = w.yaml.text.slice(whole.start.offset, whole.end.offset);
  const pin = (i: number, len: number) => w.yaml!.lines.range(whole.start.offset + i, whole.start.offset + i + len);
  if (e.line !== undefined && e.column !== undefined) {
    const lineText = template.split("\n")[e.line - 1] ?? "";
    const i = lineText.trim() === "" ? -1 : src.indexOf(lineText);
    return i < 0 ? undefined : pin(i + e.column - 1, 1);
  }
  const opener = /expected variable end/.test(e.message) ? "{{" : /expected block end/.test(e.message) ? "{%" : undefined;
  if (!opener) return undefined;
  const i = src.lastIndexOf(opener);
  return i < 0 ? undefined : pin(i, 2);
}

function parseYamlLoose(text: string): unknown {
  const src = new YamlSource(text, "");
  return src.value();
}

/** A schema file's text: JSON (or YAML for .yaml/.yml), an object, a valid JSON Schema. */
export function parseSchemaText(text: string, yaml: boolean): { schema: object } | { problem: { code: string; message: string } } {
  let schema: unknown;
  if (yaml) {
    const src = new YamlSource(text, "");
    if (src.diagnostics.length) return { problem: { code: "MS6009", message: `is not YAML: ${src.diagnostics[0]!.message.replace(/^invalid YAML: /, "")}` } };
    schema = src.value();
  } else {
    try {
      schema = JSON.parse(text);
    } catch (e) {
      return { problem: { code: "MS6009", message: `is not JSON: ${jsonErrorWithoutContent(e as Error)}` } };
    }
  }
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return { problem: { code: "MS6008", message: "is not a JSON Schema: it must hold an object" } };
  const problem = schemaProblem(schema);
  return problem ? { problem: { code: "MS6008", message: `is not a valid JSON Schema: ${problem}` } } : { schema };
}


/** The first non-empty line of a prompt, at most 60 characters. */
export function caseName(text: string): string {
  const line = text.split("\n").find((l) => l.trim() !== "")?.trim() ?? "(empty prompt)";
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}
