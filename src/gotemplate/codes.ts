import { defineCodes } from "../diagnostics/index.js";

/**
 * Diagnostic codes of Go templates (TEMPLATE in a Modelfile). MS70xx are
 * syntax errors found when the template is parsed (by `modelsmith check` and
 * every build); MS71xx are errors while rendering a prompt.
 */
export const GOTEMPLATE_CODES = defineCodes({
  MS7001: {
    title: "template syntax error",
    example: 'TEMPLATE "{{ .Prompt }"',
    fix: "Fix the action at the reported position; every `{{` needs a matching `}}` and valid Go template syntax inside.",
  },
  MS7002: {
    title: "unclosed action or comment",
    example: 'TEMPLATE "{{ .Prompt "',
    fix: "Close the action with `}}` (or the comment with `*/}}`).",
  },
  MS7003: {
    title: "function not defined",
    example: 'TEMPLATE "{{ uper .Prompt }}"',
    fix: "Use one of Go's template functions (and, or, not, len, index, slice, eq, ne, lt, le, gt, ge, print, printf, println, html, js, urlquery, call) or Ollama's (json, currentDate, yesterdayDate, toTypeScriptType).",
  },
  MS7004: {
    title: "undefined variable",
    example: 'TEMPLATE "{{ $x }}"',
    fix: "Declare the variable first with `{{ $x := ... }}`; variables declared inside if/range/with end at its {{end}}.",
  },
  MS7005: {
    title: "block has no {{end}}",
    example: 'TEMPLATE "{{ if .System }}{{ .System }}"',
    fix: "Add `{{ end }}` to close the if, range, with, define or block.",
  },
  MS7006: {
    title: "unexpected {{end}} or {{else}}",
    example: 'TEMPLATE "{{ .Prompt }}{{ end }}"',
    fix: "Remove the stray {{end}}/{{else}}, or open the block it belongs to.",
  },
  MS7007: {
    title: "{{break}} or {{continue}} outside {{range}}",
    example: 'TEMPLATE "{{ if .System }}{{ break }}{{ end }}"',
    fix: "Use break and continue only inside a {{range}} body.",
  },
  MS7008: {
    title: "template invoked without a pipeline",
    example: 'TEMPLATE "{{ define \\"x\\" }}..{{ end }}{{ template \\"x\\" }}"',
    fix: 'Ollama rejects `{{template "x"}}` without an argument; pass the data along: `{{ template "x" . }}`.',
  },
  MS7101: {
    title: "template execution error",
    example: 'TEMPLATE "{{ index .Messages 5 }}" with fewer messages',
    fix: "The template failed while rendering a prompt; the message says which action and why. Guard it with if/with or fix the expression.",
  },
});

export type GotemplateCode = keyof typeof GOTEMPLATE_CODES;
