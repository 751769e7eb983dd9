import type { ProgressFactory } from "./progress.js";

/**
 * The build engine and its progress renderers, imported when a command needs
 * them (listr2 and the engine cost start-up time that `--help` should not pay).
 */
export async function loadBuildEngine() {
  const [{ buildProject, lockProject }, { buildAndTest }, { createModel }, { lineProgress }, { ttyProgress }] = await Promise.all([
    import("./build.js"),
    import("./build-and-test.js"),
    import("./create.js"),
    import("./progress.js"),
    import("./tty-progress.js"),
  ]);
  /** listr2 on a terminal, else (or when CI is set) one line per step through `say`. */
  const progressFor = (stderr: NodeJS.WritableStream & { isTTY?: boolean }, env: NodeJS.ProcessEnv, say: (line: string) => void): ProgressFactory =>
    stderr.isTTY && !env.CI ? ttyProgress(stderr as NodeJS.WriteStream) : lineProgress(say);
  return { buildProject, lockProject, buildAndTest, createModel, lineProgress, ttyProgress, progressFor };
}
