import { homedir } from "node:os";
import path from "node:path";
import type { CommandModule } from "yargs";
import { loadBuildEngine } from "../../build/engine.js";
import { ModelsmithError } from "../../diagnostics/index.js";
import { findProjectDir } from "../../project/load.js";
import { resolveStoreRoot } from "../../store/store-root.js";
import { buildOptions, type BuildArgs } from "../build-options.js";
import type { CliContext } from "../context.js";
import { untilSignal } from "../signals.js";
import { startConfiguredServer } from "../../serve/cli-server.js";

export interface WatchArgs extends BuildArgs {
  serve?: boolean;
  host?: string;
  port?: number;
  apiKey?: string;
}

const clock = () => new Date().toTimeString().slice(0, 8);

/**
 * `modelsmith watch [model..] [-C dir] [--serve [--host H] [--port P] [--api-key K]] [--no-test] [-j N]`:
 * builds and tests as `build` does, then again each time a file of the
 * project changes (the project file, a Modelfile, a GGUF, a schema, a test
 * file). Bad input is reported and watching goes on; the next save that fixes
 * it builds. With `--serve`, the models are served as `modelsmith serve` does
 * (after the first build), and each rebuilt model answers from its new build
 * on its next request. SIGINT or SIGTERM stops it (exit 0).
 */
export function watchCommand(ctx: CliContext): CommandModule<object, WatchArgs> {
  return {
    command: "watch [models..]",
    describe: "Rebuild and re-test on every change; with --serve, serve the models and reload each one rebuilt",
    builder: (y) =>
      y
        .positional("models", { type: "string", array: true, describe: "Models to build (default: all)" })
        .option("dir", { alias: "C", type: "string", default: ".", describe: "Project directory (default: the nearest one with modelsmith.yaml, here or above)" })
        .option("offline", { type: "boolean", describe: "Refuse sources that need the network" })
        .option("test", { type: "boolean", default: true, describe: "Run the models' tests after each build (--no-test skips them)" })
        .option("jobs", { alias: "j", type: "number", default: 1, describe: "Build steps to run at once" })
        .option("serve", { type: "boolean", default: false, describe: "Also serve the models (as `modelsmith serve`), reloading each one rebuilt" })
        .option("host", { type: "string", default: "127.0.0.1", describe: "With --serve: address to listen on" })
        .option("port", { type: "number", default: 11434, describe: "With --serve: port to listen on (0: a free one)" })
        .option("api-key", { type: "string", describe: "With --serve: require `Authorization: Bearer <key>` (default: $MODELSMITH_API_KEY)" }),
    handler: async (args) => {
      const { watchProject } = await import("../../watch/index.js");
      const { buildAndTest, lineProgress } = await loadBuildEngine();
      const root = (await findProjectDir(args.dir ?? ".")) ?? path.resolve(args.dir ?? ".");
      const storeRoot = resolveStoreRoot(ctx.env, homedir(), process.cwd());
      // Steps served from the cache are not worth a line on every save.
      const progress = lineProgress((line) => {
        if (!line.endsWith(": cached")) ctx.err(line);
      });
      let server: { url: string; close(): Promise<void> } | undefined;
      const cycle = async (changed: readonly string[]) => {
        ctx.err(`[${clock()}] ${changed.length === 0 ? "building" : `changed: ${changed.slice(0, 3).join(", ")}${changed.length > 3 ? ` and ${changed.length - 3} more` : ""}`}`);
        try {
          await buildAndTest(buildOptions(ctx, args, { progress }, true));
        } catch (err) {
          if (!(err instanceof ModelsmithError)) throw err;
          ctx.report(err.diagnostics);
        }
        if (args.serve && !server) server = await startConfiguredServer(ctx.env, (line) => ctx.err(line), storeRoot, { host: args.host ?? "127.0.0.1", port: args.port ?? 11434, ...(args.apiKey !== undefined ? { apiKey: args.apiKey } : {}) });
        ctx.err(`[${clock()}] watching ${path.relative(process.cwd(), root) || "."} for changes${server ? `; serving on ${server.url}` : ""} (Ctrl-C to stop)`);
      };
      const watcher = watchProject({ root, ignore: [storeRoot], cycle });
      await untilSignal(async () => {
        await Promise.all([watcher.close(), server?.close()]);
      }, watcher.ready);
    },
  };
}
