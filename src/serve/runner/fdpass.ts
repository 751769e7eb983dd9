import fs from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * Passing a client's connection to a runner (src/runtime/native/fdpass.c,
 * docs/decisions.md "A runner writes its stream to the client itself"): a
 * small N-API module compiled by `npm run build` where a C compiler and node's
 * headers are present. Without it (not built, not Linux, or
 * MODELSMITH_STREAM_HANDOFF=0) every piece goes through the server, as before.
 */
export interface FdPass {
  /** A SOCK_SEQPACKET socketpair, both ends close-on-exec: [this process's end, the runner's end]. */
  pair(): [number, number];
  /** Sends `fd` with `id` over `channel`, never blocking: whether the kernel took it. */
  send(channel: number, id: number, fd: number): boolean;
  /** The next [id, fd] waiting on `channel` (fd -1 when none came with it), or null when nothing waits. */
  receive(channel: number): [number, number] | null;
  close(fd: number): void;
}

const require = createRequire(import.meta.url);

/** Where `npm run build` puts the module (N-API: one build serves every node version). */
export function fdpassFile(): string {
  return fileURLToPath(new URL("../../runtime/native/fdpass.node", import.meta.url));
}

let loaded: { lib: FdPass | undefined } | undefined;

/** The module, loaded once per process; undefined when it cannot be (not Linux, not built, not loadable) or MODELSMITH_STREAM_HANDOFF=0. */
export function fdpass(env: NodeJS.ProcessEnv = process.env): FdPass | undefined {
  if (env["MODELSMITH_STREAM_HANDOFF"] === "0") return undefined;
  loaded ??= { lib: load() };
  return loaded.lib;
}

function load(): FdPass | undefined {
  const file = fdpassFile();
  if (process.platform !== "linux" || !fs.existsSync(file)) return undefined;
  try {
    const lib = require(file) as Partial<FdPass>;
    const complete = typeof lib.pair === "function" && typeof lib.send === "function" && typeof lib.receive === "function" && typeof lib.close === "function";
    return complete ? (lib as FdPass) : undefined;
  } catch {
    return undefined;
  }
}
