import { EnvironmentError, error, ModelsmithError } from "../diagnostics/index.js";

/** Node's errno code of `err` ("ENOENT", "EXDEV" …), if it has one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * A failed write to the store as EnvironmentError MS5109 (exit 3): a full disk
 * or a read-only store is the environment's fault, not a bug. Errors that
 * already carry diagnostics pass through unchanged.
 */
export function storeWriteError(what: string, file: string, err: unknown): Error {
  if (err instanceof ModelsmithError) return err;
  const code = errnoCode(err);
  if (code === undefined) return err instanceof Error ? err : new Error(String(err));
  const hint = code === "ENOSPC" ? "the disk is full" : code === "EACCES" || code === "EPERM" || code === "EROFS" ? "the store is not writable" : undefined;
  return new EnvironmentError(error("MS5109", `cannot ${what}: ${(err as Error).message}`, { file, ...(hint ? { hint } : {}) }), { cause: err });
}
