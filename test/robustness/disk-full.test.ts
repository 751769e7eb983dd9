/**
 * Issue 8, item 4: a full disk is exit 3 with MS5109 for every command, with
 * no stack, no temp file, no lease and no lock left behind, and a store that
 * `verify` accepts. The store lives on a 60 MiB tmpfs (mounted here: needs
 * root; skipped with the reason otherwise); the test unmounts it.
 *
 * - a test model larger than the disk (generation fails while writing);
 * - a quantization whose output does not fit (llama.cpp says only
 *   "basic_ios::clear: iostream error"; the free space tells it was the disk);
 * - a pull of a 100 MiB layer: refused before a byte is written, no sparse part;
 * - a disk full to the last byte: `cp`, `rm`, `prune` cannot take the store
 *   lock, and leave no empty lock file, so that `rm` works at once when space
 *   is freed.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { hasStackTrace, runCli, type CliResult } from "../helpers/cli.js";
import { startHostileRegistry } from "../registry/hostile-server.js";
import { ms, project } from "./helpers.js";

function mountTmpfs(dir: string): string | undefined {
  if (process.getuid?.() !== 0) return "needs root to mount a tmpfs (CI runs as root)";
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=60m", "tmpfs", dir], { stdio: "pipe" });
    return undefined;
  } catch (e) {
    return `cannot mount a tmpfs: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
  }
}

function assertDiskFull(r: CliResult, home: string) {
  assert.equal(r.exitCode, 3, r.stderr);
  assert.match(r.stderr, /error\[MS5109\]: /);
  assert.equal(hasStackTrace(r.stderr), false, r.stderr);
  const tmp = path.join(home, "tmp");
  assert.deepEqual(existsSync(tmp) ? readdirSync(tmp) : [], [], "no temp file left");
  assert.deepEqual(existsSync(path.join(home, "writers")) ? readdirSync(path.join(home, "writers")) : [], [], "no lease left");
  assert.equal(existsSync(path.join(home, "store.lock")), false, "no lock left");
}

async function assertVerifies(home: string, cwd: string) {
  const v = await ms(home, cwd, "verify");
  assert.equal(v.exitCode, 0, v.stdout + v.stderr);
}

describe("a full disk", () => {
  const scratch = project({ after: () => {} } as never, {}).dir;
  const mount = path.join(path.dirname(scratch), "disk");
  const skip = mountTmpfs(mount);
  // Each case has its own store on the disk, removed when it ends, so the next starts from an empty disk.
  let n = 0;
  const home = () => path.join(mount, `home${n++}`);
  after(() => {
    if (!skip) execFileSync("umount", ["-l", mount]);
    rmSync(path.dirname(scratch), { recursive: true, force: true });
  });

  it("a test model larger than the disk: build exits 3 with MS5109", { skip }, async (t) => {
    const { dir } = project(t, { "modelsmith.yaml": "models:\n  big:\n    modelfile: Modelfile\n", Modelfile: "FROM testmodel://random?embd=1024&layers=2&heads=8&ff=2816&vocab=1000&type=f32\n" });
    const h = home();
    const r = await ms(h, dir, "build", "--no-test");
    assertDiskFull(r, h);
    assert.match(r.stderr, /cannot write the test model: .*no space left on device/i);
    await assertVerifies(h, dir);
    rmSync(h, { recursive: true, force: true });
  });

  it("a quantization that does not fit: exit 3 with MS5109, not llama.cpp's iostream error alone", { skip }, async (t) => {
    // A 54 MB F16 base fits; its Q4_K_M output (15 MB) does not fit in what is left.
    const { dir } = project(t, { "modelsmith.yaml": "models:\n  big:\n    modelfile: Modelfile\n    quantize: [Q4_K_M]\n", Modelfile: "FROM testmodel://random?embd=1024&layers=2&heads=8&ff=2816&vocab=1000&type=f16\n" });
    const h = home();
    const r = await ms(h, dir, "build", "--no-test");
    assertDiskFull(r, h);
    assert.match(r.stderr, /cannot write the quantized model: the disk is full \([\d.]+ \w+ free after [\d.]+ \w+ written; llama\.cpp: .*iostream error\)/);
    await assertVerifies(h, dir);
    rmSync(h, { recursive: true, force: true });
  });

  it("a pull of a layer larger than the disk: refused before writing, exit 3 with MS5109", { skip }, async (t) => {
    const reg = await startHostileRegistry(t);
    const h = home();
    const r = await runCli(["pull", `oci://${reg.host}/large/layer:latest`], { env: { MODELSMITH_HOME: h } });
    assertDiskFull(r, h);
    assert.match(r.stderr, /it needs 100\.0 MiB, and .* has [\d.]+ MiB free/);
    await assertVerifies(h, mount);
    rmSync(h, { recursive: true, force: true });
  });

  it("a disk full to the last byte: cp, rm and prune exit 3 with MS5109, leave no lock, and rm works once space is freed", { skip }, async (t) => {
    const { dir } = project(t, { "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n", Modelfile: "FROM testmodel://oracle\n" });
    const h = home();
    assert.equal((await ms(h, dir, "build", "--no-test")).exitCode, 0);
    const filler = path.join(mount, "filler");
    const fd = openSync(filler, "w");
    const block = Buffer.alloc(1 << 16, 1);
    try {
      for (;;) writeSync(fd, block);
    } catch (e) {
      assert.equal((e as NodeJS.ErrnoException).code, "ENOSPC");
    }
    // The last bytes, one at a time.
    try {
      for (;;) writeSync(fd, block, 0, 1);
    } catch {
      closeSync(fd);
    }
    for (const args of [["cp", "fox", "fox2"], ["rm", "fox"], ["prune", "--grace", "0"]]) {
      const r = await ms(h, dir, ...args);
      assertDiskFull(r, h);
    }
    await assertVerifies(h, dir);
    rmSync(filler);
    const rm = await ms(h, dir, "rm", "fox");
    assert.equal(rm.exitCode, 0, rm.stderr);
    rmSync(h, { recursive: true, force: true });
  });
});
