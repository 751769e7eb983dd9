import { homedir } from "node:os";
import { resolveStoreRoot, Store } from "../store/index.js";

/** The store the CLI works on: `$MODELSMITH_HOME` from `env`, else `~/.modelsmith`. */
export function openStore(env: Readonly<Record<string, string | undefined>>, cwd = process.cwd()): Store {
  return new Store(resolveStoreRoot(env, homedir(), cwd));
}
