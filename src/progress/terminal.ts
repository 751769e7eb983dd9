import type { Activity, ActivityReporter, ActivityUnit } from "./activity.js";
import { bar, describeFinished, describeProgress, fractionOf, type ActivityState } from "./format.js";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A frame's spinner glyph. */
export function spinner(frame: number): string {
  return SPINNER[frame % SPINNER.length]!;
}

/** SGR colours, or nothing when colour is off (`NO_COLOR`). */
export function paint(color: boolean) {
  const sgr = (open: number, close: number) => (s: string) => (color ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { green: sgr(32, 39), yellow: sgr(33, 39), red: sgr(31, 39), cyan: sgr(36, 39), dim: sgr(2, 22) };
}

/** A part of the live region: its lines for a frame (the frame number drives spinners). */
export type Block = (frame: number) => string[];

export interface BlockHandle {
  /** Redraw now (a status changed); frequent updates (bytes, tensors) wait for the timer instead. */
  changed(): void;
  /** Takes the block out of the region, writing `final` above it for good (the block's last word). */
  remove(final?: string[]): void;
}

/**
 * The bottom lines of a terminal, redrawn in place: the blocks of running
 * work (a download's bar, the build's step list). Each redraw moves the
 * cursor up over the previous frame and clears to the end of the screen, so
 * what is printed stays printed once; a removed block's final lines are
 * written above the region and never touched again. Lines are cut to the
 * terminal's width so that none wraps (a wrapped line would break the count).
 * While any block is there a timer redraws every `intervalMs` (unref'd: it
 * never keeps the process alive); updates in between only mark it dirty, so
 * a download's thousand callbacks a second cost nothing.
 */
export class LiveRegion {
  private readonly blocks = new Set<Block>();
  private shown = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: NodeJS.WritableStream & { columns?: number },
    private readonly intervalMs = 100,
  ) {}

  add(block: Block): BlockHandle {
    this.blocks.add(block);
    this.timer ??= setInterval(() => {
      this.frame++;
      this.draw();
    }, this.intervalMs).unref();
    this.draw();
    return {
      changed: () => {
        if (this.blocks.has(block)) this.draw();
      },
      remove: (final = []) => {
        if (!this.blocks.delete(block)) return;
        this.draw(final);
        if (this.blocks.size === 0 && this.timer) {
          clearInterval(this.timer);
          this.timer = undefined;
        }
      },
    };
  }

  /** Writes lines above the region for good (a log line while bars run below). */
  log(...lines: string[]): void {
    this.draw(lines);
  }

  private draw(above: string[] = []): void {
    const width = Math.max(20, (this.stream.columns ?? 80) - 1);
    const lines = [...above, ...[...this.blocks].flatMap((b) => b(this.frame))].map((l) => fit(l, width));
    const up = this.shown > 0 ? `\x1b[${this.shown}A\r\x1b[0J` : "";
    this.stream.write(up + lines.map((l) => `${l}\n`).join(""));
    this.shown = lines.length - above.length;
  }
}

/** Cuts a line to `width` visible characters, keeping its colour codes. */
function fit(line: string, width: number): string {
  let visible = 0;
  let out = "";
  for (let i = 0; i < line.length; ) {
    const esc = /^\x1b\[[0-9;?]*[A-Za-z]/.exec(line.slice(i));
    if (esc) {
      out += esc[0];
      i += esc[0].length;
      continue;
    }
    const ch = String.fromCodePoint(line.codePointAt(i)!);
    if (visible < width) out += ch;
    visible++;
    i += ch.length;
  }
  return visible > width ? `${out}\x1b[0m` : out;
}

/**
 * Activities on a terminal: while one runs, a line with a spinner and a bar
 * (`⠹ download x.gguf [██████░░░░░░░░░░░░░░]  30% 3 MB/10 MB, 2.9 MB/s, ETA 3s`);
 * when it ends, that line is replaced for good by its summary
 * (`✔ download x.gguf [████████████████████] 10 MB in 3.4s (2.9 MB/s)`).
 */
export function terminalActivities(region: LiveRegion, color: boolean): ActivityReporter {
  const c = paint(color);
  return {
    begin(full: string, unit: ActivityUnit): Activity {
      // The bar must stay on screen: a long label (a URL) is cut in the middle.
      const label = full.length > 50 ? `${full.slice(0, 30)}…${full.slice(-19)}` : full;
      const s: ActivityState = { label, unit, done: 0, started: Date.now() };
      const meter = () => {
        const f = fractionOf(s);
        return f === undefined ? "" : ` ${bar(f)}`;
      };
      const h = region.add((frame) => [`${c.cyan(spinner(frame))} ${label}${meter()} ${describeProgress(s)}`]);
      return {
        update(done, total) {
          s.done = done;
          if (total !== undefined) s.total = total;
        },
        end(failed) {
          h.remove([failed ? `${c.red("✖")} ${label}: failed` : `${c.green("✔")} ${label}${meter()} ${describeFinished(s)}`]);
        },
      };
    },
  };
}
