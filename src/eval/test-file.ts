import type { SourceRange } from "../diagnostics/diagnostic.js";
import type { AssertionType } from "./assertion-types.js";
import type { ScriptFunction } from "./javascript.js";
import type { AssertSetInfo } from "./scoring.js";

/**
 * A validated test file. Its YAML shape (schemas/testfile.schema.json):
 *
 *     model: code-assistant          # optional: the project model it tests
 *     description: ...               # optional
 *     prompts: ["Say hi in {{lang}}"]  # optional (promptfoo's): for cases without a prompt
 *     defaults:                      # optional, merged into every case (or promptfoo's defaultTest:, also file://)
 *       options: {temperature: 0}    #   case options win key by key
 *       vars: {lang: python}         #   case vars win key by key
 *       assert: [...]                #   appended to each case's own
 *       threshold / repeat / passRate / timeout
 *     tests:                         # required: cases, file://more.yaml entries, or file://cases.csv
 *       - description: greets        # optional; the case's name in reports
 *         prompt: "Say hi in {{lang}}"   # or messages: [{role, content}]
 *         raw: false                 # send the prompt without the TEMPLATE
 *         options: {num_predict: 20} # Ollama option names
 *         vars: {lang: French}       # nunjucks vars; a list of texts expands into one case per item; or file://vars.yaml
 *         repeat: 3                  # run 3 times ...
 *         passRate: 0.66             # ... pass when >= 66% of runs pass (default 1)
 *         threshold: 0.5             # a run passes when its weighted score >= 0.5
 *         timeout: 30s               # each generation's time limit (default 60 s; or 30, 500ms, 2m)
 *         assert:                    #   (default: when every weighted assertion passes)
 *           - type: icontains        # or not-icontains
 *             value: bonjour
 *             weight: 2              # default 1; 0 reports but never fails the run
 *             metric: tone           # its score is also reported under this name
 *             transform: output.trim()   # the output this assertion sees
 *           - type: assert-set       # scored as one assertion over its own list
 *             threshold: 0.5
 *             assert: [...]
 */
export interface TestSuite {
  /** The file's name as diagnostics show it. */
  file: string;
  model?: string;
  description?: string;
  /** `grader:`: the project model that grades model-graded assertions. */
  grader?: string;
  cases: TestCase[];
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface TestCase {
  /** 0-based position in the file's `tests:` list. */
  index: number;
  /** `<file>#<index+1>`: stable across runs while the file keeps its order. */
  id: string;
  /** `description`, else the first line of the prompt (or last message), cut to 60 characters. */
  name: string;
  file: string;
  range: SourceRange;
  /** The prompt with vars substituted (completion form), or the messages (chat form); exactly one is set. */
  prompt?: string;
  messages?: ChatMessage[];
  raw: boolean;
  /** Ollama options: defaults.options, then the case's own. */
  options: Record<string, unknown>;
  vars: Record<string, string>;
  /** Runs of the case (>= 1). */
  repeat: number;
  /** Fraction of runs that must pass, 0..1 (default 1). */
  passRate: number;
  /** When set, a run passes when its weighted score reaches it, whatever single assertions say. */
  threshold?: number;
  /** Time limit of each generation, in ms (`timeout:`, else defaults', else 60 s); past it the case is an error. */
  timeoutMs: number;
  /** The case's assertions; those of an assert-set carry its index in `assertSets`. */
  assert: Assertion[];
  /** The case's assert-sets (promptfoo's `type: assert-set`), in file order. */
  assertSets?: AssertSetInfo[];
  /** `options.transform`: applied to each output before the assertions see it. */
  transform?: Transform;
}

/** A transform: inline javascript, or a function from a `file://` script. */
export interface Transform {
  code: string;
  fn?: ScriptFunction;
}

/** An assertion's value, normalized by type (see assertion-types.ts). */
export type AssertionValue =
  | { kind: "none" }
  | { kind: "text"; text: string }
  | { kind: "json"; json: unknown }
  | { kind: "list"; items: string[] }
  | { kind: "range"; min?: number; max?: number }
  | { kind: "schema"; schema: object }
  /** `path` as written (relative to the test file); `schema` is set once the file is read (load-test-file.ts). */
  | { kind: "schema-file"; path: string; range: SourceRange; schema?: object }
  /** Inline javascript, or `file://check.js[:fn]` with its function loaded (`fn`). */
  | { kind: "code"; code: string; fn?: ScriptFunction };

export interface Assertion {
  type: AssertionType;
  negate: boolean;
  /** The name as written, e.g. `not-contains`. */
  name: string;
  value: AssertionValue;
  /** >= 0, default 1. */
  weight: number;
  /** latency: ms; javascript: minimum score. */
  threshold?: number;
  /** regex flags. */
  flags?: string;
  /** promptfoo's `metric`: the name its score is reported under. */
  metric?: string;
  /** The assertion's own `transform` of the output. */
  transform?: Transform;
  /** Index of the assert-set it belongs to (TestCase.assertSets). */
  set?: number;
  /** The project model that grades it (`provider:`, else the case's grader: `options.provider` of the case or defaultTest, or the file's `grader:`) or gives `similar` its embeddings (else the model under test). */
  provider?: string;
  range: SourceRange;
}
