import { defineCodes } from "../diagnostics/registry.js";

/**
 * Diagnostic codes of the Modelfile language: MS1xxx for syntax (bytes, lines,
 * quotes), MS2xxx for validation (instructions, parameters, roles, versions).
 * TEMPLATE syntax errors carry the MS7xxx codes of `src/gotemplate/`.
 */
export const MODELFILE_CODES = defineCodes({
  MS1001: {
    title: "invalid UTF-8",
    example: "FROM llama3\nSYSTEM caf\\xE9   # a Latin-1 byte saved by an old editor",
    fix: "Save the Modelfile as UTF-8 (or UTF-16 with a byte order mark); the bad bytes are shown as U+FFFD.",
  },
  MS1002: {
    title: "unknown instruction",
    example: "FORM llama3",
    fix: "Use one of FROM, PARAMETER, TEMPLATE, SYSTEM, ADAPTER, LICENSE, MESSAGE, REQUIRES, FORMAT; the hint names the closest one.",
  },
  MS1003: {
    title: "expected an instruction",
    example: "FROM llama3\n{{ .Prompt }}",
    fix: "Every line starts with an instruction keyword or `#`; a value that spans lines must be quoted with `\"\"\"`.",
  },
  MS1004: {
    title: "missing value",
    example: "FROM llama3\nPARAMETER temperature",
    fix: "Write the value on the same line as the instruction; an empty text is written `\"\"`.",
  },
  MS1005: {
    title: "unterminated quoted value",
    example: 'SYSTEM """You are a helpful assistant.',
    fix: "Close the value with the same quotes that open it, at the end of a line (`\"\"\"` or `\"`).",
  },
  MS1006: {
    title: "invalid parameter name",
    example: "PARAMETER top-k 40",
    fix: "Parameter names are letters, digits and `_` (e.g. `top_k`), followed by a space and the value.",
  },
  MS1007: {
    title: "invalid message role",
    example: "MESSAGE user: Hello",
    fix: "Write `MESSAGE <role> <content>` with the role as a bare word: system, user or assistant.",
  },
  MS1008: {
    title: "`#` inside a value is not a comment",
    example: "PARAMETER stop <|end|> # end of turn",
    fix: "Comments go on their own line, starting with `#`; a value runs to the end of its line.",
  },
  MS1009: {
    title: "quoted value runs over an instruction",
    example: 'SYSTEM "You are terse.\nPARAMETER temperature 0.2\nMESSAGE user "Hi"',
    fix: "A quoted value ends at the first line that ends with its closing quote; check the quotes of the value that starts above.",
  },
  MS1010: {
    title: "expected a space after the instruction",
    example: "FROM:llama3",
    fix: "Separate the instruction keyword from its value with a space or a tab.",
  },
  MS1011: {
    title: "invalid UTF-16",
    example: "a UTF-16 file whose byte length is odd",
    fix: "Save the Modelfile again as UTF-8; the file looks truncated or was converted badly.",
  },
  MS2001: {
    title: "unknown parameter",
    example: "PARAMETER temprature 0.7",
    fix: "Use a parameter Ollama knows (temperature, top_p, top_k, num_ctx, stop, ...); the hint names the closest one.",
  },
  MS2002: {
    title: "invalid parameter value",
    example: "PARAMETER num_ctx 4k",
    fix: "Give the type the parameter takes: an integer (`4096`), a number (`0.7`) or a boolean (`true`/`false`).",
  },
  MS2003: {
    title: "parameter value out of range",
    example: "PARAMETER top_p 1.5",
    fix: "Use a value inside the range the message names (e.g. top_p and min_p in [0, 1], num_ctx above 0).",
  },
  MS2004: {
    title: "deprecated parameter",
    example: "PARAMETER mirostat 2",
    fix: "Delete the line: Ollama ignores this parameter and so does modelsmith.",
  },
  MS2005: {
    title: "instruction overrides an earlier one",
    example: "SYSTEM You are terse.\nSYSTEM You are verbose.",
    fix: "Keep one of them: the last one wins, as in Ollama.",
  },
  MS2006: {
    title: "no FROM instruction",
    example: "PARAMETER temperature 0.7",
    fix: "Add `FROM <model or path>` naming the base model, e.g. `FROM llama3:8b` or `FROM ./model.gguf`.",
  },
  MS2007: {
    title: "more than one FROM",
    example: "FROM llama3\nFROM mistral",
    fix: "A Modelfile has exactly one base model; keep one FROM line.",
  },
  MS2008: {
    title: "unknown message role",
    example: "MESSAGE assitant Hello!",
    fix: "Roles are `system`, `user` and `assistant`, in lower case.",
  },
  MS2009: {
    title: "invalid REQUIRES version",
    example: "REQUIRES latest",
    fix: "Give a semantic version such as `0.14.0` (a leading `v` and the short forms `0` and `0.14` are accepted).",
  },
  MS2010: {
    title: "instruction not supported yet",
    example: "DRAFT ./draft.gguf",
    fix: "modelsmith accepts DRAFT, RENDERER and PARSER for Ollama compatibility but ignores them; delete the line to silence this.",
  },
  MS2011: {
    title: "invalid FORMAT",
    example: 'FORMAT {"type": "object"}',
    fix: "Write `FORMAT json`, or `FORMAT <path>` naming a JSON Schema file relative to the Modelfile.",
  },
  MS2012: {
    title: "empty value",
    example: 'FROM ""',
    fix: "This instruction needs a non-empty value: a model reference or a file path.",
  },
});

export type ModelfileCode = keyof typeof MODELFILE_CODES;
