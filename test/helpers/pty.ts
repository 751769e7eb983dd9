import { execa } from "execa";
import { execFileSync } from "node:child_process";
import { fromRoot } from "./paths.js";

/** True when util-linux `script` is there to give a command a pseudo-terminal. */
export function havePty(): boolean {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Runs the CLI on a pseudo-terminal of `cols` columns (util-linux
 * `script -qfec CMD /dev/null`), so stdin, stdout and stderr are all a TTY, as
 * for a user at a terminal; returns everything the terminal received (stdout
 * and stderr together, with `\r\n` line ends) and the exit code. `input` is
 * typed into the terminal. CI is unset so that the terminal renderers run.
 * After `timeoutMs` (default 50 s) everything is killed, so a hang fails the
 * test instead of holding the whole suite.
 */
export async function runOnPty(args: string[], opts: { cwd?: string; env?: Record<string, string>; cols?: number; input?: string; timeoutMs?: number } = {}): Promise<{ exitCode: number; output: string }> {
  const cmd = `stty cols ${opts.cols ?? 100} rows 50; exec ${[process.execPath, fromRoot("bin/modelsmith.js"), ...args].map(quote).join(" ")}`;
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...opts.env };
  delete env.CI;
  const r = await execa("script", ["-qfec", cmd, "/dev/null"], { cwd: opts.cwd ?? fromRoot(), env, extendEnv: false, input: opts.input ?? "", reject: false, stripFinalNewline: false, timeout: opts.timeoutMs ?? 50_000, killSignal: "SIGKILL" });
  return { exitCode: r.exitCode ?? -1, output: String(r.stdout) };
}
