import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { renderDiagnostic } from "../diagnostics/render.js";

/** Diagnostics printed per file before the rest are counted in one line. */
export const MAX_SHOWN_PER_FILE = 50;

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

  /**
   * Prints diagnostics to stderr, errors and warnings alike, each with its code
   * frame: at most {@link MAX_SHOWN_PER_FILE} per file, then one line
   * `… and N more in <file>` (a file with thousands of errors would otherwise
   * print megabytes; the first ones are the ones to fix). `--json` keeps all.
   */
  report(diagnostics: readonly Diagnostic[]): void {
    const shown = new Map<string, number>();
    for (const d of diagnostics) {
      const file = d.file ?? "";
      const n = (shown.get(file) ?? 0) + 1;
      shown.set(file, n);
      if (n <= MAX_SHOWN_PER_FILE) this.err(renderDiagnostic(d, { source: (f) => this.sources.get(f), color: this.color }));
    }
    for (const [file, n] of shown) {
      if (n > MAX_SHOWN_PER_FILE) this.err(`… and ${n - MAX_SHOWN_PER_FILE} more ${file ? `in ${file}` : "problems"}`);
    }
  }
}
