import { defineCodes } from "../diagnostics/registry.js";

/** Diagnostic codes of prompt test files and `modelsmith test` (MS6xxx). */
export const EVAL_CODES = defineCodes({
  MS6001: {
    title: "invalid YAML in a test file",
    example: "tests:\n  - prompt: \"hello\n    assert: [{type: contains, value: hi}]",
    fix: "Fix the YAML syntax at the position shown (an unclosed quote or bracket, a bad indent).",
  },
  MS6002: {
    title: "unknown key in a test file",
    example: "tests:\n  - promt: Say hi",
    fix: "Use one of the keys a test file knows; the hint names the closest one.",
  },
  MS6003: {
    title: "missing required key in a test file",
    example: "tests:\n  - assert: [{type: contains, value: hi}]   # no prompt",
    fix: "Add the key the message names: every file needs `tests`, every case `prompt` or `messages`, every assertion `type`.",
  },
  MS6004: {
    title: "wrong type or value in a test file",
    example: "tests:\n  - prompt: Say hi\n    repeat: many",
    fix: "Give the value the type the message names (a string, a number in range, a list, a map).",
  },
  MS6005: {
    title: "unknown assertion type",
    example: "assert:\n  - type: contain\n    value: hi",
    fix: "Use one of the assertion types (equals, contains, icontains, contains-any, icontains-any, contains-all, icontains-all, starts-with, regex, is-json, contains-json, word-count, finish-reason, latency, javascript, levenshtein, rouge-n, bleu, similar, llm-rubric, model-graded-closedqa, factuality, answer-relevance, perplexity, perplexity-score), optionally prefixed with `not-`, or `assert-set` to group assertions.",
  },
  MS6006: {
    title: "invalid assertion value",
    example: "assert:\n  - type: contains-any\n    value: hello",
    fix: "Give the assertion the value its type takes (the message says which): a string, a list of strings, {min, max}, a threshold in ms.",
  },
  MS6007: {
    title: "invalid regular expression",
    example: "assert:\n  - type: regex\n    value: \"(unclosed\"",
    fix: "Fix the pattern; it is a JavaScript regular expression (quote it in YAML, and double backslashes inside double quotes).",
  },
  MS6008: {
    title: "invalid JSON Schema in an is-json assertion",
    example: "assert:\n  - type: is-json\n    value: {type: strng}",
    fix: "Fix the schema so a JSON Schema validator (draft-07) accepts it; the message names the problem.",
  },
  MS6009: {
    title: "is-json schema file missing or not JSON",
    example: "assert:\n  - type: is-json\n    value: file://schemas/missing.json",
    fix: "Point the path at an existing JSON file; it is relative to the test file.",
  },
  MS6010: {
    title: "model not in the project",
    example: "model: code-asistant\ntests: [...]",
    fix: "Name a model that modelsmith.yaml lists under `models:`; the hint names the closest one.",
  },
  MS6011: {
    title: "undefined variable in a prompt",
    example: "tests:\n  - prompt: \"Write {{lang}} code\"   # no vars: {lang: ...}",
    fix: "Define the variable under the case's `vars:` (or the file's `defaults: {vars: ...}`), or fix its name.",
  },
  MS6012: {
    title: "unknown or invalid option",
    example: "tests:\n  - prompt: hi\n    options: {temprature: 0}",
    fix: "Use Ollama's option names (temperature, top_k, top_p, num_predict, seed, stop, ...) with values of their type.",
  },
  MS6013: {
    title: "invalid javascript assertion",
    example: "assert:\n  - type: javascript\n    value: \"output.length >\"",
    fix: "Write a JavaScript expression over `output` (or a function body that returns), e.g. `output.length < 200`.",
  },
  MS6014: {
    title: "test case without assertions",
    example: "tests:\n  - prompt: Say hi",
    fix: "Give the case an `assert:` list (or the file a `defaults: {assert: [...]}`), so that it can fail.",
  },
  MS6015: {
    title: "test file names another model",
    example: "# listed under code-assistant in modelsmith.yaml\nmodel: json-extractor",
    fix: "List the file under the model it names in modelsmith.yaml, or fix (or drop) its `model:` key.",
  },
  MS6016: {
    title: "invalid --grep pattern",
    example: "modelsmith test --grep \"(\"",
    fix: "Pass a valid JavaScript regular expression; it is matched against each case's name.",
  },
  MS6017: {
    title: "model cannot be loaded for testing",
    example: "modelsmith test code-assistant   # the built GGUF is corrupt, or llama.cpp cannot start",
    fix: "Rebuild the model (`modelsmith build`), check `modelsmith verify`, and that llama.cpp runs on this machine; exit code 3.",
  },
  MS6018: {
    title: "model cannot be compared: not built",
    example: "modelsmith test --compare code-assistant   # before `modelsmith build`, or after `prune` removed its base",
    fix: "Build the model (`modelsmith build`): --compare needs every variant and the unquantized base it was made from in the store, and the base pinned in models.lock.",
  },
  MS6101: {
    title: "invalid template in a test file",
    example: "tests:\n  - prompt: \"Say hi in {{ lang \"   # the tag is not closed",
    fix: "Prompts, messages and string assertion values are nunjucks templates, as in promptfoo: close each {{ }} and {% %} tag, and use filters nunjucks knows (lower, upper, join, default, dump, ...).",
  },
  MS6102: {
    title: "file named with file:// missing or unreadable",
    example: "tests: file://cases.csv   # no cases.csv next to the test file",
    fix: "Point file:// at an existing file; the path is relative to the test file. Cases files are .csv, .yaml or .json; vars files .yaml or .json; var values any text file; assertion values .txt, .json or .yaml.",
  },
  MS6103: {
    title: "invalid CSV test file",
    example: "question,__expected\n\"unclosed,contains: x",
    fix: "Fix the CSV at the line shown: a header row of var names and promptfoo's special columns (__expected, __expected1.., __description, __metric, __threshold, __prefix, __suffix), then one row per case.",
  },
  MS6104: {
    title: "invalid assert-set",
    example: "assert:\n  - type: assert-set\n    value: x   # an assert-set takes `assert:`",
    fix: "Give the assert-set an `assert:` list of assertions (no assert-set inside it), and optionally threshold, weight and metric.",
  },
  MS6105: {
    title: "invalid transform",
    example: "options:\n  transform: \"output.trim(\"",
    fix: "Write the transform as promptfoo does: one line is an expression over `output` (and `context`), several lines a function body that returns; or file://script.js.",
  },
  MS6106: {
    title: "javascript file cannot be used",
    example: "assert:\n  - type: javascript\n    value: file://check.js:grade   # check.js exports no `grade`",
    fix: "The script must load with Node (.js, .cjs or .mjs, not TypeScript) and export a function: module.exports = (output, context) => ..., or a named one given as file://check.js:name.",
  },
  MS6107: {
    title: "defaults and defaultTest both given",
    example: "defaults: {vars: {a: 1}}\ndefaultTest: {vars: {b: 2}}",
    fix: "Keep one of them: defaultTest is promptfoo's name for defaults.",
  },
  MS6075: {
    title: "test case ran past its time limit",
    example: "tests:\n  - prompt: Write a novel\n    timeout: 5s   # the model is still generating after 5 s",
    fix: "The generation was stopped and the case is an error. Raise the case's `timeout:` (or `defaults: {timeout: ...}`; default 60 s), or bound the answer with `options: {num_predict: N}`.",
  },
});
