import { execa } from "execa";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fromRoot } from "./paths.js";

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the installed CLI entry (bin/modelsmith.js) as a user would, in `cwd`. */
export async function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const r = await execa(process.execPath, [fromRoot("bin/modelsmith.js"), ...args], {
    cwd: opts.cwd ?? fromRoot(),
    env: { CI: "1", NO_COLOR: "1", ...opts.env },
    input: opts.input,
    ...(opts.timeoutMs ? { timeout: opts.timeoutMs, killSignal: "SIGKILL" as const } : {}),
    reject: false,
    stripFinalNewline: false,
  });
  return { exitCode: r.timedOut ? -2 : (r.exitCode ?? -1), stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A fresh temp directory holding `files` (path -> contents). */
export function tempProject(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "modelsmith-test-"));
  for (const [name, content] of Object.entries(files)) {
    const p = path.join(dir, name);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return dir;
}

/** True when the text looks like a JavaScript stack trace. */
export const hasStackTrace = (text: string) => /^\s+at .+(\(|:\d+:\d+)/m.test(text);
