import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ModelsmithError } from "../../src/diagnostics/index.js";
import { Store, type StoreOptions } from "../../src/store/index.js";

/** A store in a fresh temp directory; `cleanup` removes it (read-only blobs included). */
export async function tempStore(options?: StoreOptions): Promise<{ dir: string; store: Store; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "ms-store-"));
  const store = new Store(path.join(dir, "home"), options);
  return { dir, store, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Every file under `dir`, relative, sorted; [] when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name))).sort();
}

/** The diagnostic code and kind a promise rejects with. */
export async function rejection(p: Promise<unknown>): Promise<{ code: string; kind: string; message: string; hint?: string }> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof ModelsmithError)) throw err;
    const d = err.diagnostics[0]!;
    return { code: d.code, kind: err.kind, message: d.message, ...(d.hint ? { hint: d.hint } : {}) };
  }
  throw new Error("expected a rejection");
}
