import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { Store, withStoreLock } from "../../src/store/index.js";
import { fromRoot } from "../helpers/paths.js";
import { rejection, tempStore } from "./helpers.js";

/** Runs `node --input-type=module -e script` with `env`; resolves with its exit code and output. */
function runNode(script: string, env: Record<string, string> = {}): { pid: number; done: Promise<{ code: number | null; output: string }> } {
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  return { pid: child.pid!, done: new Promise((resolve) => child.on("close", (code) => resolve({ code, output }))) };
}

describe("the store lock", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempStore()));
  after(() => cleanup());

  it("holds a lock file naming this process while fn runs, and removes it after", async () => {
    const file = path.join(dir, "a.lock");
    const seen = await withStoreLock(file, async () => JSON.parse(await readFile(file, "utf8")) as { pid: number; host: string });
    assert.deepEqual([seen.pid, seen.host], [process.pid, hostname()]);
    await assert.rejects(stat(file), { code: "ENOENT" });
  });

  it("is re-entrant within one call chain, and serializes concurrent callers in one process", async () => {
    const file = path.join(dir, "b.lock");
    assert.equal(await withStoreLock(file, () => withStoreLock(file, async () => "nested")), "nested");
    const events: string[] = [];
    const worker = (id: string) => withStoreLock(file, async () => {
      events.push(`start ${id}`);
      await sleep(20);
      events.push(`end ${id}`);
    }, { pollMs: 5 });
    await Promise.all([worker("x"), worker("y")]);
    assert.ok(events.join() === "start x,end x,start y,end y" || events.join() === "start y,end y,start x,end x", events.join());
  });

  it("takes over a lock whose process is dead", async () => {
    const dead = runNode("");
    await dead.done;
    const file = path.join(dir, "c.lock");
    await writeFile(file, JSON.stringify({ pid: dead.pid, host: hostname(), token: "dead", acquiredAt: 0 }));
    assert.equal(await withStoreLock(file, async () => "taken", { timeoutMs: 2000 }), "taken");
  });

  it("waits for a live holder, then fails with MS5107 naming it; a holder silent past staleMs is taken over", async () => {
    const holder = runNode("setTimeout(() => {}, 30000)");
    try {
      const file = path.join(dir, "d.lock");
      await writeFile(file, JSON.stringify({ pid: holder.pid, host: hostname(), token: "live", acquiredAt: Date.now() }));
      const r = await rejection(withStoreLock(file, async () => "never", { timeoutMs: 1000, pollMs: 20 }));
      assert.deepEqual([r.code, r.kind, r.message], ["MS5107", "environment", `the store is locked by process ${holder.pid} on ${hostname()} (waited 1 s)`]);
      const old = new Date(Date.now() - 10 * 60_000);
      await utimes(file, old, old);
      assert.equal(await withStoreLock(file, async () => "taken", { timeoutMs: 1000, staleMs: 60_000 }), "taken");
    } finally {
      process.kill(holder.pid);
      await holder.done;
    }
  });

  it("takes over a lock file that names no holder once it is 2 s old (its creator died before writing it)", async () => {
    const file = path.join(dir, "f.lock");
    await writeFile(file, "");
    const r = await rejection(withStoreLock(file, async () => "never", { timeoutMs: 300, pollMs: 20 }));
    assert.equal(r.code, "MS5107", "a fresh empty lock may be one being written: waited for");
    const old = new Date(Date.now() - 3000);
    await utimes(file, old, old);
    assert.equal(await withStoreLock(file, async () => "taken", { timeoutMs: 1000, pollMs: 20 }), "taken");
  });

  it("does not remove a lock that another process took over meanwhile", async () => {
    const file = path.join(dir, "e.lock");
    const other = JSON.stringify({ pid: process.pid, host: hostname(), token: "someone-else", acquiredAt: 0 });
    await withStoreLock(file, async () => writeFile(file, other));
    assert.equal(await readFile(file, "utf8"), other);
  });
});

describe("two processes writing one store", () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  before(async () => ({ store, cleanup } = await tempStore()));
  after(() => cleanup());

  const script = `
    import { appendFileSync } from "node:fs";
    import { setTimeout as sleep } from "node:timers/promises";
    import { Store, LAYER_MEDIA_TYPES, CONFIG_MEDIA_TYPE, makeManifest } from ${JSON.stringify(fromRoot("dist/src/store/index.js"))};
    const { ROOT, ID, LOG, N } = process.env;
    const store = new Store(ROOT);
    for (let i = 0; i < Number(N); i++) {
      const shared = await store.putLayer(LAYER_MEDIA_TYPES.model, "weights both processes write at once");
      const own = await store.putLayer(LAYER_MEDIA_TYPES.system, ID + " " + i);
      const config = await store.putLayer(CONFIG_MEDIA_TYPE, JSON.stringify({ id: ID, i }));
      await store.writeManifest(ID + "-model:" + i, makeManifest(config, [shared, own]));
      if (i % 4 === 0) await store.gc();
      await store.withLock(async () => {
        appendFileSync(LOG, "start " + ID + "\\n");
        await sleep(2);
        appendFileSync(LOG, "end " + ID + "\\n");
      });
    }
  `;

  it("both succeed, every manifest and blob is intact, and locked sections never overlap", async () => {
    const log = path.join(store.root, "..", "log");
    const n = 12;
    const runs = ["p1", "p2"].map((id) => runNode(script, { ROOT: store.root, ID: id, LOG: log, N: String(n) }));
    const results = await Promise.all(runs.map((r) => r.done));
    assert.deepEqual(results, [{ code: 0, output: "" }, { code: 0, output: "" }]);

    const lines = (await readFile(log, "utf8")).trim().split("\n");
    assert.equal(lines.length, 4 * n);
    for (let i = 0; i < lines.length; i += 2) assert.equal(lines[i + 1], lines[i]!.replace("start", "end"), `lines ${i}-${i + 1} interleave: ${lines[i]} / ${lines[i + 1]}`);

    const { manifests, problems } = await store.listManifests();
    assert.equal(manifests.length, 2 * n);
    assert.deepEqual(problems, []);
    const verified = await store.verify();
    assert.deepEqual(verified.problems, []);
    assert.equal(verified.checkedBlobs, 1 + 2 * (2 * n), "one shared model blob, a system and a config blob per manifest");
  });
});
