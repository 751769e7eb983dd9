import { randomBytes } from "node:crypto";
import { rename, stat, unlink, writeFile, chmod } from "node:fs/promises";
import path from "node:path";
import { rmSync } from "node:fs";
import { onInterruptCleanup } from "./interrupt-cleanup.js";

/**
 * Replaces `file` with `data` so that a reader (or a crash) sees either the old
 * bytes or the new, never a mix: write a temp file in the same directory, then
 * rename over. Keeps the old file's permission bits.
 */
export async function atomicWrite(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const mode = await stat(file).then((s) => s.mode & 0o7777, () => undefined);
  // An interrupt between write and rename removes the temp file too.
  const untrack = onInterruptCleanup(() => rmSync(tmp, { force: true }));
  try {
    await writeFile(tmp, data, { flag: "wx" });
    if (mode !== undefined) await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  } finally {
    untrack();
  }
}
