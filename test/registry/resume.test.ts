/**
 * An interrupted pull resumes: the pull of a 64 MiB model is killed
 * (SIGKILL) after its first 16 MiB range arrived while the others hang; the
 * next pull asks only for what is missing and leaves a store that verifies.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fromRoot } from "../helpers/paths.js";
import { tempProject } from "../helpers/cli.js";
import { json, ms, tempDir } from "../build/helpers.js";
import { registryMissing, startProxy, startRegistry } from "./helpers.js";

const skip = registryMissing();
const BIG = "testmodel://random?embd=1024&layers=2&heads=8&kv=8&ff=1024&vocab=1024&seed=7";

test("a pull killed mid-download resumes where it stopped and leaves a valid store", { skip, timeout: 240_000 }, async (t) => {
  const registry = await startRegistry(t);
  const dir = tempProject({ "modelsmith.yaml": "models:\n  big:\n    modelfile: Modelfile\n", Modelfile: `FROM ${BIG}\n` });
  const homeA = path.join(tempDir(t), "a");
  const built = await ms(["build", "--no-test", "-C", dir], homeA);
  assert.equal(built.exitCode, 0, built.stderr);
  const pushed = await ms(["push", "big", `oci://${registry.host}/library/big:latest`, "--json"], homeA);
  assert.equal(pushed.exitCode, 0, pushed.stderr);
  const model = json<{ digest: string; blobs: { digest: string; size: number }[] }>(pushed).blobs.find((b) => b.size > 1 << 20)!;
  assert.ok(model.size >= 64 << 20, `model blob is ${model.size} bytes`);

  // Ranges after the first hang: the first one arrives, then the process is killed.
  const proxy = await startProxy(t, registry.port, { stall: (req) => /\/blobs\//.test(req.url ?? "") && req.headers.range !== undefined && !/^bytes=0-/.test(String(req.headers.range)) });
  const homeB = path.join(tempDir(t), "b");
  const ref = `ollama://${proxy.host}/library/big:latest`;
  const child = spawn(process.execPath, [fromRoot("bin/modelsmith.js"), "pull", ref], { env: { ...process.env, CI: "1", MODELSMITH_HOME: homeB }, stdio: "ignore" });
  const state = path.join(homeB, "tmp", `download-${model.digest.slice(7)}.json`);
  const exited = new Promise((r) => child.once("exit", r));
  for (let i = 0; ; i++) {
    const done = existsSync(state) ? ((JSON.parse(readFileSync(state, "utf8") || "{}") as { done?: number[] }).done ?? []) : [];
    if (done.length > 0) break;
    assert.ok(i < 2000, "the first range never arrived");
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill("SIGKILL");
  await exited;
  assert.equal(existsSync(path.join(homeB, "manifests")), false, "no manifest after the kill");
  assert.equal(existsSync(path.join(homeB, "blobs", model.digest.replace(":", "-"))), false);

  proxy.options.stall = undefined;
  proxy.blobBytes = 0;
  const again = await ms(["pull", ref, "--json"], homeB);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.match(again.stderr, /^resume {2}[0-9a-f]{12} at 1[67](\.\d)? MB of 6\d(\.\d)? MB$/m);
  assert.equal(json(again).digest, json(pushed).digest);
  assert.ok(proxy.blobBytes <= model.size - (16 << 20) + 4096, `the second pull fetched ${proxy.blobBytes} bytes of ${model.size}`);
  assert.deepEqual(readdirSync(path.join(homeB, "tmp")).filter((f) => f.startsWith("download-")), []);
  const verified = await ms(["verify"], homeB);
  assert.equal(verified.exitCode, 0, verified.stderr);
});
