import type { CommandModule } from "yargs";
import { CheckFailedError } from "../../diagnostics/index.js";
import { humanBytes, openStore, verifyDiagnostics } from "../../inspect/index.js";
import { displayShortest } from "../../store/index.js";
import type { CliContext } from "../context.js";

export interface VerifyArgs {
  json?: boolean;
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
    command: "verify",
    describe: "Re-hash every blob and check every manifest (exit 1 on damage)",
    handler: async (args) => {
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
