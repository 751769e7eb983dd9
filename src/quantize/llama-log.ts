/**
 * Reads llama.cpp's log while it quantizes. llama.cpp logs in fragments (one
 * line may arrive in several calls, one call may hold several lines); this
 * joins them into lines, derives progress from the per-tensor lines
 *
 *     [  12/ 201]               blk.1.attn_q.weight - [ 4096,  4096,     1,     1], type =    f16, converting to q4_K .. size = ...
 *
 * (a line is complete when its tensor is written, so `[12/201]` means 12
 * done) and keeps the error lines, which say why a quantization failed
 * ("llama_model_quantize: failed to quantize: <reason>").
 *
 * Levels are ggml_log_level: 1 debug, 2 info, 3 warn, 4 error, 5 continue
 * (the previous fragment's level).
 */
export interface QuantizeProgress {
  /** Tensors written so far; `tensorsTotal` at the end. */
  tensorsDone: number;
  tensorsTotal: number;
}

export interface LogLine {
  level: number;
  text: string;
}

export const LOG_LEVEL = { debug: 1, info: 2, warn: 3, error: 4, cont: 5 } as const;

const TENSOR_LINE = /^\[\s*(\d+)\s*\/\s*(\d+)\s*\]/;
const FAILURE = /failed to quantize: (.*)$/;

export class LlamaLog {
  readonly lines: LogLine[] = [];
  private partial = "";
  private partialLevel: number = LOG_LEVEL.info;
  private lastLevel: number = LOG_LEVEL.info;
  private last: QuantizeProgress | undefined;

  constructor(
    private readonly onProgress?: (p: QuantizeProgress) => void,
    private readonly onLine?: (line: LogLine) => void,
  ) {}

  /** One fragment as llama.cpp's log callback receives it. */
  push(level: number, text: string): void {
    const effective = level === LOG_LEVEL.cont ? this.lastLevel : level;
    this.lastLevel = effective;
    if (this.partial === "") this.partialLevel = effective;
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop()!;
    for (const line of parts) {
      this.addLine({ level: this.partialLevel, text: line });
      this.partialLevel = effective;
    }
  }

  /** Flushes a last line that had no newline. */
  end(): void {
    if (this.partial !== "") this.addLine({ level: this.partialLevel, text: this.partial });
    this.partial = "";
  }

  /** The latest progress seen, if any. */
  get progress(): QuantizeProgress | undefined {
    return this.last;
  }

  /** llama.cpp's reason for a failure ("this quantization requires an imatrix!"). */
  failureReason(): string | undefined {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const m = FAILURE.exec(this.lines[i]!.text);
      if (m) return m[1]!.trim();
    }
    return undefined;
  }

  /** Error lines other than the final "failed to quantize" one, without banner rules and blanks. */
  errorDetails(): string[] {
    return this.lines
      .filter((l) => l.level === LOG_LEVEL.error && !FAILURE.test(l.text))
      .map((l) => l.text.trim())
      .filter((t) => t !== "" && !/^=+$/.test(t));
  }

  private addLine(line: LogLine): void {
    this.lines.push(line);
    this.onLine?.(line);
    const m = TENSOR_LINE.exec(line.text);
    if (!m) return;
    const total = Number(m[2]);
    // A tensor's line ends ("size = ...\n") once that tensor is written.
    const done = Number(m[1]);
    if (this.last && this.last.tensorsDone === done && this.last.tensorsTotal === total) return;
    this.last = { tensorsDone: done, tensorsTotal: total };
    this.onProgress?.(this.last);
  }
}
