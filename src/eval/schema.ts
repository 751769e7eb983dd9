import { ALL_ASSERTION_NAMES } from "./assertion-types.js";

/**
 * The JSON Schema of a test file's structure (the shape is documented in
 * test-file.ts). The loader validates with it (every problem at its YAML
 * position); what depends on an assertion's type (its value, a regex, an inline
 * schema) and on the project (model names) is checked after it, in
 * validate-test-file.ts, so that a misspelled type gets a did-you-mean.
 * `schemas/testfile.schema.json` is `testFileEditorSchema`: the same schema with
 * the assertion types as an enum, for editors' completion.
 */
const scalar = { type: ["string", "number", "boolean"] } as const;

const options = {
  description: "Ollama options (temperature, top_k, top_p, num_predict, seed, stop, ...) overriding the Modelfile's PARAMETERs; also promptfoo's transform, provider, prefix and suffix (text around the prompt) and disableDefaultAsserts.",
  type: "object",
} as const;

const vars = {
  description: "Values for the nunjucks templates ({{name}}) of the prompt, messages and assertion values; a list of texts expands into one case per item. Or file://vars.yaml.",
  type: ["object", "string"],
} as const;

const assertion = {
  type: "object",
  additionalProperties: false,
  required: ["type"],
  properties: {
    type: { description: "An assertion type, optionally negated with `not-` (e.g. not-contains).", type: "string" },
    value: { description: "What the assertion compares with; its form depends on the type." },
    weight: { description: "Weight in the case's score (default 1; 0: reported, never fails).", type: "number", minimum: 0 },
    threshold: { description: "latency: milliseconds; javascript, rouge-n, bleu, similar, llm-rubric, answer-relevance, perplexity-score: the minimum score; levenshtein: the most edits; perplexity: the highest perplexity.", type: "number", minimum: 0 },
    flags: { description: "regex: JavaScript flags, e.g. i.", type: "string" },
    metric: { description: "The name this assertion's score is reported under (summed per metric in reports).", type: "string" },
    transform: { description: "JavaScript applied to the output before this assertion sees it (`output` and `context` in scope), or file://script.js.", type: "string" },
    assert: { description: "assert-set: the assertions of the set.", type: "array" },
    provider: { description: "Model-graded assertions: the project model that grades (default: the file's `grader`); similar: the project model whose embeddings compare (default: the model under test).", type: "string", minLength: 1 },
  },
} as const;

const assertList = { type: "array", items: assertion } as const;
const prompts = { description: "Prompts (promptfoo's `prompts:`): a case without its own prompt or messages runs once with each. Each a text or file://prompt.txt.", type: "array", minItems: 1, items: { type: "string" } } as const;
const threshold = { description: "A run passes when its weighted score (0..1) is at least this.", type: "number", minimum: 0, maximum: 1 } as const;
const repeat = { description: "Run the case this many times (default 1).", type: "integer", minimum: 1, maximum: 1000 } as const;
const timeout = {
  description: "Time limit of each generation of the case: seconds (30, 0.5) or a duration (500ms, 30s, 2m); default 60 s. Past it the case is an error.",
  type: ["number", "string"],
} as const;
const passRate = { description: "Fraction of runs that must pass (default 1).", type: "number", minimum: 0, maximum: 1 } as const;

const message = {
  type: "object",
  additionalProperties: false,
  required: ["role", "content"],
  properties: { role: { enum: ["system", "user", "assistant"] }, content: { type: "string" } },
} as const;

const testCase = {
  type: "object",
  additionalProperties: false,
  properties: {
    description: { description: "The case's name in reports.", type: "string" },
    prompt: { description: "One user prompt, rendered through the model's TEMPLATE.", type: "string" },
    messages: { description: "A chat: the history after the Modelfile's MESSAGEs.", type: "array", minItems: 1, items: message },
    raw: { description: "Send `prompt` without the TEMPLATE (Ollama's raw mode).", type: "boolean" },
    options,
    vars,
    repeat,
    passRate,
    threshold,
    timeout,
    assert: assertList,
    metadata: { description: "Free-form data (promptfoo's), kept but unused.", type: "object" },
  },
} as const;

const defaultsSchema = {
  description: "Merged into every case: options and vars key by key, assert appended.",
  type: "object",
  additionalProperties: false,
  properties: { options, vars, assert: assertList, threshold, repeat, passRate, timeout },
} as const;

/** A file of cases (`tests: file://cases.yaml`): a list of cases. */
export const casesFileSchema = { type: "array", items: testCase } as const;
/** A `defaultTest: file://default.yaml` file. */
export const defaultsFileSchema = defaultsSchema;

export const testFileSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://modelsmith.dev/schemas/testfile.schema.json",
  title: "modelsmith prompt test file",
  type: "object",
  additionalProperties: false,
  required: ["tests"],
  properties: {
    model: { description: "The project model these tests are for (default: the model that lists the file).", type: "string", minLength: 1 },
    description: { type: "string" },
    grader: { description: "The project model that grades llm-rubric, model-graded-closedqa, factuality and answer-relevance (promptfoo's `provider` grading option; also defaultTest.options.provider).", type: "string", minLength: 1 },
    defaults: defaultsSchema,
    defaultTest: { ...defaultsSchema, description: "promptfoo's name for `defaults` (a map, or file://default.yaml).", type: ["object", "string"] },
    prompts,
    tests: {
      description: "The test cases: a list (each a case, or file://more.yaml), or file://cases.csv / file://cases.yaml.",
      type: ["array", "string"],
      minItems: 1,
      items: { ...testCase, type: ["object", "string"] },
    },
  },
} as const;

/** testFileSchema with `type` of an assertion limited to the known names, for editors. */
export function testFileEditorSchema(): object {
  const schema = JSON.parse(JSON.stringify(testFileSchema)) as { definitions?: unknown; properties: Record<string, unknown> };
  const withEnum = (a: { properties: { type: object } }) => {
    a.properties.type = { ...a.properties.type, enum: [...ALL_ASSERTION_NAMES, "assert-set"] };
  };
  const props = schema.properties as {
    tests: { items: { properties: { assert: { items: { properties: { type: object } } } } } };
    defaults: { properties: { assert: { items: { properties: { type: object } } } } };
    defaultTest: { properties: { assert: { items: { properties: { type: object } } } } };
  };
  withEnum(props.tests.items.properties.assert.items);
  withEnum(props.defaults.properties.assert.items);
  withEnum(props.defaultTest.properties.assert.items);
  return schema;
}
