import { createRequire } from "node:module";
import type { RunningServer } from "./index.js";

/** The options `serve` and `watch --serve` share, as their flags give them. */
export interface CliServerOptions {
  models?: string[];
  host?: string;
  port?: number;
  apiKey?: string;
  parallel?: number;
  maxLoaded?: number;
  maxQueue?: number;
  origins?: string;
  shutdownGrace?: number;
  /** `--max-memory` (else $MODELSMITH_MAX_MEMORY): a size such as 8GiB. */
  maxMemory?: string;
}

/**
 * Starts the server as `serve` and `watch --serve` configure it: host, port,
 * `apiKey` (else $MODELSMITH_API_KEY), `origins` (else $MODELSMITH_ORIGINS,
 * comma-separated), the package version for /api/version, one log line per
 * request through `log`. The server itself is imported only here, on first
 * use, so that a command that does not serve never loads it.
 */
export async function startConfiguredServer(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  storeRoot: string,
  args: CliServerOptions,
): Promise<RunningServer & { apiKey?: string }> {
  const { startServer } = await import("./index.js");
  const version = (createRequire(import.meta.url)("../../../package.json") as { version: string }).version;
  const apiKey = args.apiKey ?? env.MODELSMITH_API_KEY;
  const { parseMemorySize } = await import("./memory-budget.js");
  const memory = args.maxMemory ?? env.MODELSMITH_MAX_MEMORY;
  const maxMemory = memory === undefined || memory === "" ? undefined : parseMemorySize(memory, args.maxMemory !== undefined ? "--max-memory" : "MODELSMITH_MAX_MEMORY");
  const server = await startServer({
    storeRoot,
    host: args.host ?? "127.0.0.1",
    port: args.port ?? 11434,
    ...(apiKey ? { apiKey } : {}),
    models: args.models ?? [],
    parallel: Math.max(1, Math.floor(args.parallel ?? 4)),
    maxLoaded: Math.max(1, Math.floor(args.maxLoaded ?? 3)),
    maxQueue: Math.max(0, Math.floor(args.maxQueue ?? 512)),
    ...(maxMemory !== undefined ? { maxMemory } : {}),
    log,
    version,
    origins: (args.origins ?? env.MODELSMITH_ORIGINS ?? "").split(",").filter((o) => o.trim() !== ""),
    shutdownGraceMs: Math.max(0, (Number.isFinite(args.shutdownGrace) ? args.shutdownGrace! : 5) * 1000),
  });
  return apiKey ? { ...server, apiKey } : server;
}
