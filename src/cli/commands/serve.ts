import { homedir } from "node:os";
import type { CommandModule } from "yargs";
import { resolveStoreRoot } from "../../store/index.js";
import { startConfiguredServer, type CliServerOptions } from "../../serve/cli-server.js";
import type { CliContext } from "../context.js";
import { untilSignal } from "../signals.js";

export interface ServeArgs extends CliServerOptions {
  json?: boolean;
}

/**
 * `modelsmith serve [model..] [--host 127.0.0.1] [--port 11434] [--api-key K]`:
 * Ollama's and OpenAI's HTTP APIs over the store ($MODELSMITH_HOME). Named
 * models are loaded before it listens and are the only ones served; without
 * names, every stored model, loaded on its first request. Prints `listening
 * on <url>` to stderr, then one line per request; SIGINT or SIGTERM stops
 * accepting connections, lets the requests in flight run for
 * `--shutdown-grace` seconds (default 5), cancels those still running,
 * unloads the models and exits 0. The key may also come from MODELSMITH_API_KEY.
 */
export function serveCommand(ctx: CliContext): CommandModule<object, ServeArgs> {
  return {
    command: "serve [models..]",
    describe: "Serve the built models over Ollama's and OpenAI's HTTP APIs",
    builder: (y) =>
      y
        .positional("models", { type: "string", array: true, describe: "Serve only these models (loaded at start); default every model in the store" })
        .option("host", { type: "string", default: "127.0.0.1", describe: "Address to listen on" })
        .option("port", { type: "number", default: 11434, describe: "Port to listen on (0: a free one)" })
        .option("api-key", { type: "string", describe: "Require `Authorization: Bearer <key>` (default: $MODELSMITH_API_KEY, else none)" })
        .option("parallel", { type: "number", default: 4, describe: "Requests generating at once per model" })
        .option("max-loaded", { type: "number", default: 3, describe: "Models loaded at once; the least recently used idle one is unloaded for another" })
        .option("max-memory", { type: "string", describe: "Memory loaded models may take (8GiB, 512MiB); the least recently used idle one is unloaded to make room (default: $MODELSMITH_MAX_MEMORY, else 90% of the free memory)" })
        .option("max-queue", { type: "number", default: 512, describe: "Requests that may wait for a model before the server answers 503" })
        .option("origins", { type: "string", describe: "Browser origins allowed besides localhost's, comma-separated, `*` as wildcard (default: $MODELSMITH_ORIGINS)" })
        .option("shutdown-grace", { type: "number", default: 5, describe: "Seconds requests in flight may run after SIGINT/SIGTERM before they are cancelled" }),
    handler: async (args) => {
      const server = await startConfiguredServer(ctx.env, (line) => ctx.err(line), resolveStoreRoot(ctx.env, homedir(), process.cwd()), args);
      ctx.err(`listening on ${server.url}${server.apiKey ? " (API key required)" : ""}`);
      await untilSignal(async () => {
        ctx.err("shutting down");
        await server.close().catch(() => undefined);
      });
    },
  };
}
