import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
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

let loaded: { lib: FdPass } | { lib?: undefined; reason: string } | undefined;

/** The module, loaded once per process; undefined (with why, from fdpassReason) when it cannot be or MODELSMITH_STREAM_HANDOFF=0. */
export function fdpass(env: NodeJS.ProcessEnv = process.env): FdPass | undefined {
  if (env["MODELSMITH_STREAM_HANDOFF"] === "0") return undefined;
  loaded ??= load();
  return loaded.lib;
}

/** Why fdpass() gives nothing, or undefined when it gives the module. */
export function fdpassReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env["MODELSMITH_STREAM_HANDOFF"] === "0") return "MODELSMITH_STREAM_HANDOFF=0";
  loaded ??= load();
  return loaded.lib ? undefined : loaded.reason;
}

function load(): { lib: FdPass } | { reason: string } {
  if (process.platform !== "linux") return { reason: `not available on ${process.platform}` };
  const file = fdpassFile();
  if (!fs.existsSync(file)) return { reason: `${path.basename(file)} was not built (npm run build compiles it where a C compiler and node's headers are present)` };
  try {
    const lib = require(file) as Partial<FdPass>;
    if (typeof lib.pair !== "function" || typeof lib.send !== "function" || typeof lib.receive !== "function" || typeof lib.close !== "function") return { reason: `${path.basename(file)} lacks pair, send, receive or close` };
    return { lib: lib as FdPass };
  } catch (err) {
    return { reason: `cannot load ${path.basename(file)}: ${(err as Error).message}` };
  }
}
