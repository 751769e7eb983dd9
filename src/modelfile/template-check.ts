import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { LineIndex } from "../diagnostics/position.js";
import { TemplateSyntaxError, parseTemplate } from "../gotemplate/index.js";
import type { ValueNode } from "./ast.js";

/**
 * Parses a TEMPLATE value as a Go text/template. A syntax error becomes a
 * diagnostic with the template module's own code (MS7xxx), placed in the
 * Modelfile: the error's offset into the template text is mapped back through
 * the value's quotes, escapes and line endings.
 */
export function checkTemplate(value: ValueNode, index: LineIndex, file?: string): Diagnostic | undefined {
  try {
    parseTemplate(value.value);
    return undefined;
  } catch (e) {
    if (!(e instanceof TemplateSyntaxError)) throw e;
    const start = value.map.toSource(e.offset);
    const last = e.length > 0 ? value.map.toSource(e.offset + e.length - 1) + 1 : start;
    return error(e.code, `TEMPLATE: ${e.message}`, { file, range: index.range(start, Math.max(start, last)), hint: e.hint });
  }
}
