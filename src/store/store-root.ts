import path from "node:path";

/**
 * The store root the CLI opens: `$MODELSMITH_HOME`, else `~/.modelsmith`. The
 * only place that reads the variable, and it reads it from the `env` it is
 * given (the CLI passes process.env); the store itself only ever takes a root.
 * A relative MODELSMITH_HOME is taken relative to `cwd`; an empty one is unset.
 */
export function resolveStoreRoot(env: Readonly<Record<string, string | undefined>>, homedir: string, cwd: string): string {
  const home = env.MODELSMITH_HOME;
  if (home !== undefined && home !== "") return path.resolve(cwd, home);
  return path.join(homedir, ".modelsmith");
}
