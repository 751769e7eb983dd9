import { error, type Diagnostic } from "../diagnostics/index.js";
import { displayShortest, type BlobProblem, type VerifyResult } from "../store/index.js";

/**
 * The diagnostics of a verify run, one per damaged blob, each naming the blob
 * (as the diagnostic's file: its path) and every model that uses it:
 * MS5301 content does not match the digest, MS5302 missing, MS5303 size
 * differs from a manifest; then the store's own MS5105 for unreadable
 * manifests. Pure: `blobPath` maps a digest to its file.
 */
export function verifyDiagnostics(result: VerifyResult, blobPath: (digest: string) => string): Diagnostic[] {
  return [...result.problems.map((p) => problemDiagnostic(p, blobPath(p.digest))), ...result.manifestProblems];
}

function problemDiagnostic(p: BlobProblem, file: string): Diagnostic {
  const models = p.usedBy.map(displayShortest);
  const users = models.length > 0 ? `used by ${models.join(", ")}` : "used by no model";
  const hint = models.length > 0 ? `rebuild or pull ${models.join(", ")} (or remove them with \`modelsmith rm\`), then run \`modelsmith prune\`` : "no model needs it: `modelsmith prune --grace 0` deletes it";
  switch (p.kind) {
    case "mismatch":
      return error("MS5301", `blob ${p.digest} does not match its digest (its content hashes to ${p.actual ?? "something else"}); ${users}`, { file, hint });
    case "missing":
      return error("MS5302", `blob ${p.digest} is missing from the store; ${users}`, { file, hint });
    case "size":
      return error("MS5303", `blob ${p.digest} has another size than the manifest declares; ${users}`, { file, hint });
  }
}
