import { homedir } from "node:os";
import type { CommandModule } from "yargs";
import { humanBytes, openStore, plural } from "../../inspect/index.js";
import type { Activity } from "../../progress/activity.js";
import { displayShortest } from "../../store/name.js";
import { ModelsmithError } from "../../diagnostics/errors.js";
import type { CliContext } from "../context.js";
import { OFFLINE_HINT } from "../next-steps.js";

export interface PullArgs {
  ref: string;
  json?: boolean;
}

/**
 * `modelsmith pull <ref>`: a whole model from an Ollama or OCI registry
 * (manifest and every blob, blobs in parallel, resumable, verified) into the
 * store under its name, as `ollama pull` lays it out
 * (`manifests/<host>/<namespace>/<model>/<tag>`). Progress on stderr (a bar
 * per blob on a terminal, else a line every 10% or 5 s);
 * the result on stdout (`--json`: name, manifest digest, blobs).
 */
export function pullCommand(ctx: CliContext): CommandModule<object, PullArgs> {
  return {
    command: "pull <ref>",
    describe: "Pull a model from an Ollama or OCI registry into the store",
    builder: (y) => y.positional("ref", { type: "string", demandOption: true, describe: "llama3:8b, ollama://host/ns/model:tag or oci://host/repo:tag" }),
    handler: async (args) => {
      const { parseRegistryArgument, pullModel, describeRemote, remoteOf } = await import("../../registry/index.js");
      const ref = parseRegistryArgument(args.ref, "pull");
      const store = openStore(ctx.env);
      const { activityDisplay } = await import("../../progress/display.js");
      const display = activityDisplay(ctx.stderr, ctx.env, (line) => ctx.err(line));
      display.log(`pulling manifest ${describeRemote(remoteOf(ref))}`);
      const running = new Map<string, Activity>();
      const r = await offlineHint(() =>
        pullModel(ref, {
          store,
          env: ctx.env,
          home: homedir(),
          onEvent: (e) => {
            if (e.kind === "writing") return;
            const short = e.digest.slice("sha256:".length, "sha256:".length + 12);
            if (e.kind === "manifest") display.log(`manifest ${e.digest}: ${plural(e.blobs, "blob")}, ${humanBytes(e.bytes)}`);
            else if (e.kind === "have") display.log(`have    ${short} ${e.mediaType} (${humanBytes(e.size)})`);
            else {
              let a = running.get(e.digest);
              if (!a) {
                if (e.resumed) display.log(`resume  ${short} at ${humanBytes(e.done)} of ${humanBytes(e.total)}`);
                a = display.activity.begin(`pulling ${short}`, "bytes");
                running.set(e.digest, a);
              }
              a.update(e.done, e.total);
              if (e.done >= e.total) a.end();
            }
          },
        }),
      ).finally(() => {
        for (const a of running.values()) a.end(true);
      });
      const name = displayShortest(r.name);
      if (args.json) ctx.json({ ok: true, name, digest: r.digest, ...(r.format ? { format: r.format, stored: r.stored } : {}), blobs: r.blobs });
      else ctx.out(`pulled ${name} ${r.digest}${r.format ? ` (${r.format} artifact, stored as ${r.stored})` : ""}`);
    },
  };
}

/** A registry that cannot be reached (MS5610 "cannot reach"): the hint also says what builds without the network. */
async function offlineHint<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ModelsmithError) {
      for (const d of err.diagnostics) if (d.code === "MS5610" && d.message.startsWith("cannot reach")) d.hint = d.hint ? `${d.hint}; ${OFFLINE_HINT}` : OFFLINE_HINT;
    }
    throw err;
  }
}
