/**
 * Go text/template for Ollama TEMPLATEs: a lexer, parser and renderer written
 * for modelsmith, because no maintained JS library implements Go templates
 * faithfully (trim markers, Go's truth and printing rules, `and`/`or`
 * returning operands, break/continue, variable scoping, Go's error texts).
 * It follows Go 1.26's text/template (lex.go, parse.go, exec.go, funcs.go)
 * and Ollama's template/template.go (its functions and the data it passes).
 *
 * - `parseTemplate(text)` → TemplateAST, or throws TemplateSyntaxError with
 *   `offset`/`length` into `text`, a Go-like `message`, a `code` (MS70xx) and
 *   an optional `hint` (did-you-mean for functions and variables).
 * - `renderTemplate(ast, data)` → string, Go's Execute on `data`.
 * - `renderOllamaPrompt(ast, values)` → string, Ollama's Template.Execute:
 *   collating messages, choosing the messages or legacy prompt/response path.
 */
import type { TemplateAST } from "./ast.js";
import { FUNCTION_NAMES } from "./functions.js";
import { Parser } from "./parser.js";
import { templateVars } from "./vars.js";

export interface ParseOptions {
  /** Names of extra functions the template may call (passed to renderTemplate too). */
  funcs?: Iterable<string>;
  /** Apply Ollama's load-time checks (see templateVars); default true. */
  ollama?: boolean;
}

/** Parses a Go template as Ollama would load it. Throws TemplateSyntaxError. */
export function parseTemplate(text: string, opts: ParseOptions = {}): TemplateAST {
  const funcs = opts.funcs ? new Set([...FUNCTION_NAMES, ...opts.funcs]) : FUNCTION_NAMES;
  const ast = new Parser(text, funcs).parse();
  if (opts.ollama ?? true) templateVars(ast);
  return ast;
}

export type * from "./ast.js";
export { nodeString } from "./ast.js";
export { GOTEMPLATE_CODES, type GotemplateCode } from "./codes.js";
export { TemplateExecError, TemplateSyntaxError } from "./errors.js";
export { renderTemplate, type RenderOptions } from "./exec.js";
export { FUNCTION_NAMES } from "./functions.js";
export type { TemplateFunction } from "./builtins.js";
export { marshalJSON } from "./json.js";
export { GoFloat, goStruct } from "./values.js";
export { templateVars } from "./vars.js";
export { collate, cutAfterResponse, renderOllamaPrompt, type OllamaValues } from "./ollama.js";
export type { OllamaMessage, OllamaTool, OllamaToolCall, OllamaToolProperty } from "./ollama-data.js";
export { templateDiagnostic, type TemplateLocation } from "./diagnostic.js";
export { inferThinkingTags } from "./thinking-tags.js";
