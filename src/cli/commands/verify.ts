import type { CommandModule } from "yargs";
import { CheckFailedError } from "../../diagnostics/index.js";
import { humanBytes, openStore, verifyDiagnostics } from "../../inspect/index.js";
import { displayShortest } from "../../store/index.js";
import type { CliContext } from "../context.js";

export interface VerifyArgs {
  json?: boolean;
  target?: string;
}

/**
 * `modelsmith verify [--json]`: re-hashes every blob in the store and checks
 * every manifest's references. Exit 0 when all match; exit 1 when a blob's
 * content no longer matches its digest, a blob is missing or has another size
 * than a manifest declares, or a manifest cannot be read: one diagnostic per
 * blob, naming it and the models that use it. Progress goes to stderr.
 */
export function verifyCommand(ctx: CliContext): CommandModule<object, VerifyArgs> {
  return {
    command: "verify [target]",
    describe: "Re-hash every blob and check every manifest (exit 1 on damage); with oci://host/repo:tag, check a pushed model against its provenance referrer",
    builder: (y) => y.positional("target", { type: "string", describe: "oci://host/repository:tag (or ollama://…): verify the pushed model's provenance instead of the store" }),
    handler: async (args) => {
      if (args.target !== undefined) return verifyRemote(ctx, args.target, Boolean(args.json));
      const store = openStore(ctx.env);
      const result = await store.verify((c) => ctx.err(`${c.status === "ok" ? "ok      " : c.status.padEnd(8)} ${c.digest}`));
      const diagnostics = verifyDiagnostics(result, (d) => store.blobPath(d));
      if (args.json) {
        const problems = result.problems.map((p) => ({ digest: p.digest, kind: p.kind, ...(p.actual ? { actual: p.actual } : {}), usedBy: p.usedBy.map(displayShortest), path: store.blobPath(p.digest) }));
        ctx.json({ ok: diagnostics.length === 0, checkedBlobs: result.checkedBlobs, checkedBytes: result.checkedBytes, problems, diagnostics });
        if (diagnostics.length > 0) {
          ctx.report(diagnostics);
          ctx.exitCode = 1;
        }
        return;
      }
      if (diagnostics.length > 0) throw new CheckFailedError(diagnostics);
      ctx.out(`verified ${result.checkedBlobs} blob${result.checkedBlobs === 1 ? "" : "s"} (${humanBytes(result.checkedBytes)}): every one matches its digest`);
    },
  };
}

/**
 * `modelsmith verify oci://host/repo:tag`: the pushed model's provenance
 * referrer (formats/provenance.ts verifyProvenance). Exit 0 when every
 * document matches; 1 when there is none or one does not (a pin, the
 * Modelfile or the manifest changed: MS5752/MS5753/MS5754); 2 for a bad
 * reference; 3 when the registry cannot be reached.
 */
async function verifyRemote(ctx: CliContext, target: string, json: boolean): Promise<void> {
  const { homedir } = await import("node:os");
  const { parseRegistryArgument, remoteOf, describeRemote } = await import("../../registry/index.js");
  const { verifyProvenance } = await import("../../registry/formats/provenance.js");
  const remote = remoteOf(parseRegistryArgument(target, "pull"));
  const r = await verifyProvenance(remote, { env: ctx.env, home: homedir() });
  if (json) {
    ctx.json({ ok: true, target: describeRemote(remote), digest: r.subject, via: r.via, documents: r.documents });
    return;
  }
  for (const d of r.documents) ctx.err(`ok       ${d.model}:${d.tag} inputs ${d.inputs} manifest ${d.manifest}`);
  ctx.out(`verified ${describeRemote(remote)} ${r.subject}: ${r.documents.length} provenance document${r.documents.length === 1 ? "" : "s"} (${r.via === "referrers-api" ? "referrers API" : "referrers tag schema"}) match the model`);
}
