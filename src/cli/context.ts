import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { renderDiagnostic } from "../diagnostics/render.js";

/**
 * What a command needs from the process: where to write, the decoded text of
 * files it read (for code frames), and whether to print JSON. Commands write
 * results to stdout and everything else (progress, diagnostics) to stderr.
 */
export class CliContext {
  /** Decoded text of each file a command read, by the name diagnostics use. */
  readonly sources = new Map<string, string>();
  exitCode = 0;

  constructor(
    readonly stdout: NodeJS.WritableStream = process.stdout,
    readonly stderr: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get color(): boolean {
    return Boolean(this.stderr.isTTY) && !this.env.NO_COLOR && !this.env.CI;
  }

  out(text: string): void {
    this.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  err(text: string): void {
    this.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  json(value: unknown): void {
    this.out(JSON.stringify(value, null, 2));
  }

  /** Prints diagnostics to stderr, errors and warnings alike, each with its code frame. */
  report(diagnostics: readonly Diagnostic[]): void {
    for (const d of diagnostics) {
      this.err(renderDiagnostic(d, { source: (f) => this.sources.get(f), color: this.color }));
    }
  }
}
