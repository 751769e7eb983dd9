import { stat, readFile } from "node:fs/promises";

/** Largest text file modelsmith reads from a project (Modelfile, YAML, schema, test file): 16 MiB. */
export const MAX_TEXT_FILE = 16 * 1024 * 1024;
/** Largest FORMAT or is-json schema file: 1 MiB (a schema becomes a grammar; bigger ones are mistakes). */
export const MAX_SCHEMA_FILE = 1024 * 1024;

/** Thrown for a path that names no regular file (a FIFO would hang the read, a device never ends). */
export class NotRegularFileError extends Error {
  readonly code = "ENOTREG";
  constructor(readonly kind: string) {
    super(`it is ${kind}, not a regular file`);
  }
}

/** Thrown for a file larger than the caller's limit. */
export class FileTooLargeError extends Error {
  readonly code = "EFILETOOBIG";
  constructor(readonly size: number, readonly limit: number) {
    super(`it is ${size} bytes; the limit is ${limit}`);
  }
}

/**
 * Reads a file the user named, refusing what is not a regular file (checked
 * before opening: opening a FIFO blocks until a writer comes) and what is larger
 * than `maxBytes`. Other failures are the fs errors (ENOENT, EACCES, EISDIR).
 */
export async function readRegularFile(file: string, maxBytes = MAX_TEXT_FILE): Promise<Buffer> {
  await requireRegularFile(file, maxBytes);
  const bytes = await readFile(file);
  // /proc files stat as 0 bytes and a file may grow while read: check what came.
  if (bytes.length > maxBytes) throw new FileTooLargeError(bytes.length, maxBytes);
  return bytes;
}

export async function readRegularText(file: string, maxBytes = MAX_TEXT_FILE): Promise<string> {
  return (await readRegularFile(file, maxBytes)).toString("utf8");
}

/** Throws NotRegularFileError or FileTooLargeError (when `maxBytes` is given) without opening the file. */
export async function requireRegularFile(file: string, maxBytes?: number): Promise<void> {
  const st = await stat(file);
  if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read`), { code: "EISDIR" });
  if (!st.isFile()) throw new NotRegularFileError(st.isFIFO() ? "a named pipe (FIFO)" : st.isCharacterDevice() ? "a character device" : st.isBlockDevice() ? "a block device" : st.isSocket() ? "a socket" : "not a file");
  if (maxBytes !== undefined && st.size > maxBytes) throw new FileTooLargeError(st.size, maxBytes);
}

/** True for the two errors above, whose message reads well after "cannot read X: ". */
export function isRefusedFile(err: unknown): err is NotRegularFileError | FileTooLargeError {
  return err instanceof NotRegularFileError || err instanceof FileTooLargeError;
}

/** The diagnostic code for a refused file: MS4090 (not a regular file) or MS4091 (too large). */
export function refusedFileCode(err: NotRegularFileError | FileTooLargeError): "MS4090" | "MS4091" {
  return err instanceof NotRegularFileError ? "MS4090" : "MS4091";
}
