import { error, hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { validateWithSchema } from "../project/validate.js";
import { YamlSource, type YamlPath } from "../project/yaml-source.js";
import { checkAssertion } from "./check-assertion.js";
import { assignGraders } from "./assertions/assign-graders.js";
import { checkOptions } from "./options.js";
import { testFileSchema } from "./schema.js";
import { DEFAULT_CASE_TIMEOUT_MS, parseTimeout } from "./timeout.js";
import type { Assertion, ChatMessage, TestCase, TestSuite } from "./test-file.js";
import { placeholders, substituteVars } from "./vars.js";

export interface ValidateTestFileOptions {
  /** The project's model names; when given, `model:` must be one of them. */
  projectModels?: readonly string[];
}

type Raw = Record<string, unknown>;
const isRecord = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

/** The shared YAML/schema checks report project codes; in a test file they are these. */
const CODE_IN_TEST_FILE: Record<string, string> = { MS4001: "MS6001", MS4002: "MS6002", MS4003: "MS6003", MS4004: "MS6004", MS4005: "MS6004" };
const recode = (d: Diagnostic): Diagnostic => ({ ...d, code: CODE_IN_TEST_FILE[d.code] ?? d.code });

/**
 * Parses and validates a test file's text. Pure: touches no file (schema files
 * named by is-json are checked by `checkTestFileFiles`). Reports every problem,
 * each at its YAML position, sorted by position; `suite` is set only when there
 * is no error. Cases get their vars substituted and the file's defaults merged.
 */
export function validateTestFile(text: string, file: string, opts: ValidateTestFileOptions = {}): { suite?: TestSuite; diagnostics: Diagnostic[]; source: YamlSource } {
  const source = new YamlSource(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file);
  if (source.diagnostics.length) return { diagnostics: source.diagnostics.map(recode), source };
  const value = source.value() ?? null;
  if (value === null) return { diagnostics: [error("MS6003", "the test file is empty: it needs a `tests:` list", { file, range: source.rangeAt([]), hint: "e.g. tests: [{prompt: Say hi, assert: [{type: icontains, value: hi}]}]" })], source };
  const diagnostics = validateWithSchema(source, testFileSchema, value).map(recode);
  const at = (p: YamlPath, key = false) => ({ file, range: source.rangeAt(p, { key }) });
  const top = isRecord(value) ? value : {};

  if (typeof top.model === "string" && opts.projectModels && !opts.projectModels.includes(top.model)) {
    const hint = didYouMean(top.model, opts.projectModels) ?? (opts.projectModels.length ? `the project's models: ${opts.projectModels.join(", ")}` : undefined);
    diagnostics.push(error("MS6010", `model \`${top.model}\` is not in the project`, { ...at(["model"]), hint }));
  }

  const defaults = isRecord(top.defaults) ? top.defaults : {};
  if (isRecord(defaults.options)) diagnostics.push(...checkOptions(source, ["defaults", "options"], defaults.options));
  const allAsserts: Assertion[] = [];
  const defaultAsserts = checkAssertList(source, ["defaults", "assert"], defaults.assert, diagnostics, allAsserts);
  const defaultVars = stringVars(defaults.vars);
  checkTimeout(source, ["defaults"], defaults, diagnostics);

  const cases: TestCase[] = [];
  const rawCases = Array.isArray(top.tests) ? top.tests : [];
  rawCases.forEach((raw, index) => {
    if (!isRecord(raw)) return;
    const here: YamlPath = ["tests", index];
    const before = diagnostics.length;
    if (isRecord(raw.options)) diagnostics.push(...checkOptions(source, [...here, "options"], raw.options));
    const own = checkAssertList(source, [...here, "assert"], raw.assert, diagnostics, allAsserts);
    const vars = { ...defaultVars, ...stringVars(raw.vars) };
    checkInput(source, here, raw, vars, diagnostics);
    checkTimeout(source, here, raw, diagnostics);
    const noAssertions = (raw.assert === undefined || (Array.isArray(raw.assert) && raw.assert.length === 0)) && defaultAsserts.count === 0;
    if (noAssertions) diagnostics.push(error("MS6014", `test case ${index + 1} has no assertions`, { ...at(here), hint: "add an `assert:` list, so that the case can fail" }));
    if (diagnostics.length > before) return;
    cases.push(buildCase(source, index, raw, defaults, vars, [...own.assertions, ...defaultAsserts.assertions]));
  });

  diagnostics.push(...assignGraders(source, top, allAsserts, opts.projectModels));
  diagnostics.sort((a, b) => (a.range?.start.offset ?? 0) - (b.range?.start.offset ?? 0));
  if (hasErrors(diagnostics)) return { diagnostics, source };
  const suite: TestSuite = { file, cases, ...(typeof top.model === "string" ? { model: top.model } : {}), ...(typeof top.description === "string" ? { description: top.description } : {}), ...(typeof top.grader === "string" ? { grader: top.grader } : {}) };
  return { suite, diagnostics, source };
}

function checkAssertList(source: YamlSource, at: YamlPath, list: unknown, out: Diagnostic[], all: Assertion[]): { assertions: Assertion[]; count: number } {
  if (!Array.isArray(list)) return { assertions: [], count: 0 };
  const assertions: Assertion[] = [];
  list.forEach((raw, i) => {
    const r = checkAssertion(source, [...at, i], raw);
    out.push(...r.diagnostics);
    if (r.assertion) assertions.push(r.assertion);
    if (r.assertion) all.push(r.assertion);
  });
  return { assertions, count: list.length };
}

function stringVars(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  return Object.fromEntries(Object.entries(v).filter(([, x]) => ["string", "number", "boolean"].includes(typeof x)).map(([k, x]) => [k, String(x)]));
}

/** `timeout:` (of a case or of defaults), when present, is a positive time (timeout.ts). */
function checkTimeout(source: YamlSource, here: YamlPath, raw: Raw, out: Diagnostic[]): void {
  if (raw.timeout === undefined || (typeof raw.timeout !== "number" && typeof raw.timeout !== "string")) return; // absent, or the schema's error
  if (parseTimeout(raw.timeout) !== undefined) return;
  out.push(error("MS6004", `\`timeout\` must be a time above 0 and at most a day, got ${JSON.stringify(raw.timeout)}`, { file: source.file, range: source.rangeAt([...here, "timeout"]), hint: "seconds (30, 0.5) or a duration with its unit: 500ms, 30s, 2m" }));
}

/** Exactly one of prompt and messages; every placeholder in them has a var. */
function checkInput(source: YamlSource, here: YamlPath, raw: Raw, vars: Record<string, string>, out: Diagnostic[]): void {
  const at = (p: YamlPath, key = false) => ({ file: source.file, range: source.rangeAt([...here, ...p], { key }) });
  if (raw.prompt !== undefined && raw.messages !== undefined) {
    out.push(error("MS6004", "a test case takes `prompt` or `messages`, not both", { ...at(["messages"], true), hint: "`prompt` is one user turn; `messages` a whole chat" }));
  } else if (raw.prompt === undefined && raw.messages === undefined) {
    out.push(error("MS6003", "a test case needs `prompt` or `messages`", at([])));
  }
  if (raw.raw === true && raw.messages !== undefined) out.push(error("MS6004", "`raw` applies to `prompt` only", at(["raw"], true)));
  const texts: [YamlPath, unknown][] = [[["prompt"], raw.prompt]];
  if (Array.isArray(raw.messages)) raw.messages.forEach((m, i) => texts.push([["messages", i, "content"], isRecord(m) ? m.content : undefined]));
  for (const [p, text] of texts) {
    if (typeof text !== "string") continue;
    for (const ph of placeholders(text)) {
      if (Object.hasOwn(vars, ph.name)) continue;
      const hint = didYouMean(ph.name, Object.keys(vars)) ?? `define it under \`vars:\`, e.g. vars: {${ph.name}: ...}`;
      out.push(error("MS6011", `undefined variable \`${ph.name}\``, { file: source.file, range: placeholderRange(source, [...here, ...p], text.slice(ph.offset, ph.offset + ph.length)), hint }));
    }
  }
}

/**
 * Where a placeholder is written: its first occurrence in the source of the
 * scalar (escapes and folding can make value offsets differ from source
 * offsets, so the text is searched for); the whole scalar when not found.
 */
function placeholderRange(source: YamlSource, at: YamlPath, written: string) {
  const whole = source.rangeAt(at);
  const i = source.text.slice(whole.start.offset, whole.end.offset).indexOf(written);
  return i < 0 ? whole : source.lines.range(whole.start.offset + i, whole.start.offset + i + written.length);
}

function buildCase(source: YamlSource, index: number, raw: Raw, defaults: Raw, vars: Record<string, string>, assertions: Assertion[]): TestCase {
  const num = (k: string) => (typeof raw[k] === "number" ? (raw[k] as number) : typeof defaults[k] === "number" ? (defaults[k] as number) : undefined);
  const prompt = typeof raw.prompt === "string" ? substituteVars(raw.prompt, vars) : undefined;
  const messages = Array.isArray(raw.messages) ? (raw.messages as unknown[]).map((m) => (isRecord(m) ? { role: m.role as ChatMessage["role"], content: typeof m.content === "string" ? substituteVars(m.content, vars) : "" } : { role: "user" as const, content: "" })) : undefined;
  const threshold = num("threshold");
  return {
    index,
    id: `${source.file}#${index + 1}`,
    name: typeof raw.description === "string" && raw.description.trim() !== "" ? raw.description : caseName(prompt ?? messages?.[messages.length - 1]?.content ?? ""),
    file: source.file,
    range: source.rangeAt(["tests", index]),
    ...(prompt !== undefined ? { prompt } : {}),
    ...(messages !== undefined ? { messages } : {}),
    raw: raw.raw === true,
    options: { ...(isRecord(defaults.options) ? defaults.options : {}), ...(isRecord(raw.options) ? raw.options : {}) },
    vars,
    repeat: num("repeat") ?? 1,
    passRate: num("passRate") ?? 1,
    ...(threshold !== undefined ? { threshold } : {}),
    timeoutMs: parseTimeout(raw.timeout ?? defaults.timeout) ?? DEFAULT_CASE_TIMEOUT_MS,
    assert: assertions,
  };
}

/** The first non-empty line of a prompt, at most 60 characters. */
export function caseName(text: string): string {
  const line = text.split("\n").find((l) => l.trim() !== "")?.trim() ?? "(empty prompt)";
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}
