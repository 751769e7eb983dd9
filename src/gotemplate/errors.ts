import type { GotemplateCode } from "./codes.js";

/**
 * A template that does not parse. `offset` is a 0-based index into the template
 * text and `length` how many characters the problem spans (at least 1 unless the
 * text is empty), so the Modelfile validator can map both into the Modelfile.
 * `message` reads like Go's (without Go's "template: name:line:" prefix).
 */
export class TemplateSyntaxError extends Error {
  override readonly name = "TemplateSyntaxError";
  constructor(
    message: string,
    readonly offset: number,
    readonly length: number,
    readonly code: GotemplateCode = "MS7001",
    readonly hint?: string,
  ) {
    super(message);
  }
}

/**
 * Rendering failed. `offset`/`length` locate the node that failed; `context`
 * is that node in Go's source form, as Go prints it in `executing "" at <...>`.
 */
export class TemplateExecError extends Error {
  override readonly name = "TemplateExecError";
  readonly code: GotemplateCode = "MS7101";
  constructor(
    message: string,
    readonly offset: number,
    readonly length: number,
    readonly context: string,
  ) {
    super(message);
  }

  /** The message as Go words it: `executing "" at <.Foo>: ...`. */
  get goMessage(): string {
    return `executing "" at <${this.context}>: ${this.message}`;
  }
}
