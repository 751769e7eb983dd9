import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import type { CommandModule } from "yargs";
import type { Activity } from "../../progress/activity.js";
import { humanBytes, openStore } from "../../inspect/index.js";
import { displayShortest } from "../../store/name.js";
import type { CliContext } from "../context.js";

export interface PushArgs {
  model: string;
  target: string;
  json?: boolean;
}

/**
 * `modelsmith push <model> <oci-ref>`: uploads a stored model (its blobs,
 * then its manifest byte for byte) to an OCI registry, skipping blobs the
 * repository has. The pushed manifest has the store's digest; `--json`
 * prints it.
 */
export function pushCommand(ctx: CliContext): CommandModule<object, PushArgs> {
  return {
    command: "push <model> <target>",
    describe: "Push a stored model to an OCI registry (oci://host/repo:tag or ollama://host/ns/model:tag)",
    builder: (y) =>
      y
        .positional("model", { type: "string", demandOption: true, describe: "Model in the store" })
        .positional("target", { type: "string", demandOption: true, describe: "oci://host/repository:tag or ollama://host/namespace/model:tag" }),
    handler: async (args) => {
      const { parseRegistryArgument, pushManifest, describeRemote, remoteOf } = await import("../../registry/index.js");
      const target = parseRegistryArgument(args.target, "push");
      const store = openStore(ctx.env);
      const stored = await store.readManifest(args.model);
      const remote = remoteOf(target);
      const { activityDisplay } = await import("../../progress/display.js");
      const display = activityDisplay(ctx.stderr, ctx.env, (line) => ctx.err(line));
      display.log(`pushing ${displayShortest(stored.name)} to ${describeRemote(remote)}`);
      // A bar (or a line every 10 %) per blob being sent; a line per blob once it is there.
      const running = new Map<string, Activity>();
      const r = await pushManifest(await readFile(stored.path), remote, {
        store,
        env: ctx.env,
        home: homedir(),
        onProgress: (digest, sent, total) => {
          let a = running.get(digest);
          if (!a) running.set(digest, (a = display.activity.begin(`pushing ${digest.slice(7, 19)}`, "bytes")));
          a.update(sent, total);
        },
        onEvent: (e) => {
          running.get(e.digest)?.end();
          running.delete(e.digest);
          display.log(`${e.status.padEnd(8)} ${e.digest.slice(7, 19)} (${humanBytes(e.size)})`);
        },
      }).finally(() => {
        for (const a of running.values()) a.end(true);
      });
      if (args.json) ctx.json({ ok: true, model: displayShortest(stored.name), target: describeRemote(remote), digest: r.digest, blobs: r.blobs });
      else ctx.out(`pushed ${displayShortest(stored.name)} to ${describeRemote(remote)} ${r.digest}`);
    },
  };
}
