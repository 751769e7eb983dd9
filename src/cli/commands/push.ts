import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import type { CommandModule } from "yargs";
import type { Activity } from "../../progress/activity.js";
import { humanBytes, openStore } from "../../inspect/index.js";
import { displayShortest } from "../../store/name.js";
import type { CliContext } from "../context.js";
import type { Sha256Digest } from "../../resolve/reference-types.js";

export interface PushArgs {
  model: string;
  target: string;
  json?: boolean;
  format?: string;
  dir?: string;
  provenance?: boolean;
  testReport?: string;
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
        .positional("target", { type: "string", demandOption: true, describe: "oci://host/repository:tag or ollama://host/namespace/model:tag" })
        .option("dir", { alias: "C", type: "string", default: ".", describe: "Project that built the model: its models.lock entry and Modelfile become the provenance referrer" })
        .option("provenance", { type: "boolean", default: true, describe: "Attach the provenance document as an OCI referrer (--no-provenance: do not)" })
        .option("test-report", { type: "string", describe: "A `modelsmith test --reporter json` report whose summary goes into the provenance document" })
        .option("format", { type: "string", default: "ollama", describe: "Layout: ollama (the store's manifest), modelpack (CNCF ModelPack) or docker (Docker Model Runner)" }),
    handler: async (args) => {
      const { parseRegistryArgument, pushManifest, describeRemote, remoteOf } = await import("../../registry/index.js");
      const { artifactFor, parsePushFormat } = await import("../../registry/formats/index.js");
      const format = parsePushFormat(args.format ?? "ollama");
      const target = parseRegistryArgument(args.target, "push");
      const store = openStore(ctx.env);
      const stored = await store.readManifest(args.model);
      const bytes = await artifactFor(store, await readFile(stored.path), stored.manifest, format, displayShortest(stored.name));
      const remote = remoteOf(target);
      // The document is made before anything is uploaded, so that a bad --test-report stops the push.
      const { provenanceFor, pushProvenance } = await import("../../registry/formats/provenance.js");
      const found = args.provenance === false ? undefined : await provenanceFor(args.dir ?? ".", stored.digest as Sha256Digest, args.testReport);
      const { activityDisplay } = await import("../../progress/display.js");
      const display = activityDisplay(ctx.stderr, ctx.env, (line) => ctx.err(line));
      display.log(`pushing ${displayShortest(stored.name)} to ${describeRemote(remote)}${format === "ollama" ? "" : ` as ${format}`}`);
      // A bar (or a line every 10 %) per blob being sent; a line per blob once it is there.
      const running = new Map<string, Activity>();
      const r = await pushManifest(bytes, remote, {
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
      let provenance: { digest: string; listedBy: string } | null = null;
      if (found?.doc) {
        provenance = await pushProvenance(found.doc, { mediaType: JSON.parse(bytes.toString("utf8")).mediaType as string, digest: r.digest, size: bytes.length }, remote, { store, env: ctx.env, home: homedir() });
        ctx.err(`provenance ${provenance.digest.slice(7, 19)} of ${found.doc.model}:${found.doc.tag} (listed by the ${provenance.listedBy === "referrers-api" ? "referrers API" : "referrers tag schema"})`);
      } else if (found?.warning) ctx.report([found.warning]);
      else if (found) ctx.err(`no provenance: ${found.why}`);
      if (args.json) ctx.json({ ok: true, model: displayShortest(stored.name), target: describeRemote(remote), format, digest: r.digest, provenance, blobs: r.blobs });
      else ctx.out(`pushed ${displayShortest(stored.name)} to ${describeRemote(remote)} ${r.digest}`);
    },
  };
}
