/**
 * Read paths check what they read (issue 8, item 6): a small layer (system,
 * params, template, messages, license) that is missing or whose bytes no
 * longer match its digest is MS5190, exit 3, from `show` and `run` alike, and
 * a 500 from `serve` whose body names the digest, never a host path. A damaged
 * model GGUF gets the same exit code (3) from `show` as from `run`. `rm`
 * removes a model whose manifest does not parse.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import { LAYER_MEDIA_TYPES, Store, parseManifest } from "../../src/store/index.js";
import { oracleLlama } from "../../src/testmodels/index.js";
import { hasStackTrace, runCli, type CliResult } from "../helpers/cli.js";
import { fromRoot } from "../helpers/paths.js";
import { storeModel } from "../runtime/store-model.js";

const LAYERS = { system: "Be brief.", template: "{{ .System }}{{ .Prompt }}", params: { num_ctx: 256, num_predict: 2, num_thread: 1 }, messages: [{ role: "user", content: "hi" }] };

async function storeWith(t: TestContext): Promise<{ home: string; store: Store; layer: (mediaType: string) => string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "ms-damaged-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const home = path.join(dir, "home");
  const store = new Store(home);
  await storeModel(store, "m", { gguf: oracleLlama({}), ...LAYERS });
  const manifest = (await store.readManifest("m")).manifest;
  const layer = (mediaType: string) => store.blobPath(manifest.layers.find((l) => l.mediaType === mediaType)!.digest);
  return { home, store, layer };
}

const cli = (home: string, ...args: string[]): Promise<CliResult> => runCli(args, { env: { MODELSMITH_HOME: home }, input: "", timeoutMs: 60_000 });

function damage(file: string, how: "missing" | "changed"): void {
  if (how === "missing") return unlinkSync(file);
  chmodSync(file, 0o644);
  writeFileSync(file, "changed bytes");
}

describe("a missing or damaged small layer", () => {
  for (const kind of ["system", "template", "params", "messages"] as const) {
    for (const how of ["missing", "changed"] as const) {
      it(`${kind} ${how}: show and run exit 3 with MS5190 naming the digest, no path`, async (t) => {
        const { home, layer } = await storeWith(t);
        const file = layer(LAYER_MEDIA_TYPES[kind]);
        damage(file, how);
        for (const args of [["show", "m"], ["show", "m", "--modelfile"], ["run", "m", "hi"]]) {
          const r = await cli(home, ...args);
          assert.equal(r.exitCode, 3, `${args.join(" ")}: ${r.stderr}`);
          assert.match(r.stderr, new RegExp(`error\\[MS5190\\]: blob sha256:${path.basename(file).slice(7)} ${how === "missing" ? "is missing from the store" : "is damaged"}`), r.stderr);
          assert.ok(!r.stderr.includes(home) && !hasStackTrace(r.stderr), r.stderr);
        }
      });
    }
  }

  it("a damaged model GGUF: show and run give the same exit code (3)", async (t) => {
    const { home, layer } = await storeWith(t);
    const file = layer(LAYER_MEDIA_TYPES.model);
    chmodSync(file, 0o644);
    truncateSync(file, 40);
    const show = await cli(home, "show", "m");
    const run = await cli(home, "run", "m", "hi");
    assert.equal(run.exitCode, 3, run.stderr);
    assert.equal(show.exitCode, run.exitCode, show.stderr);
    assert.match(show.stderr, /error\[MS30\d\d\]: model m:latest: /);
  });
});

describe("serve", () => {
  it("answers a damaged layer with 500 naming the digest, never a host path", async (t) => {
    const { home, layer } = await storeWith(t);
    damage(layer(LAYER_MEDIA_TYPES.system), "missing");
    const url = await serve(t, home);
    for (const [p, body] of [["/api/show", { model: "m" }], ["/api/generate", { model: "m", prompt: "hi", stream: false }]] as const) {
      const r = await http(url, "POST", p, { "content-type": "application/json" }, JSON.stringify(body));
      assert.equal(r.status, 500, `${p}: ${r.body}`);
      assert.match(r.body, /MS5190: blob sha256:[0-9a-f]{64} is missing from the store/);
      assert.ok(!r.body.includes(home) && !r.body.includes(tmpdir()), r.body);
    }
  });

  // Ollama's allowedHostsMiddleware: https://github.com/ollama/ollama/blob/main/server/routes.go
  it("on loopback answers only a Host that names this machine (DNS rebinding), as Ollama does", async (t) => {
    const { home } = await storeWith(t);
    const url = await serve(t, home);
    const port = new URL(url).port;
    for (const host of ["rebind.example.com", `evil.test:${port}`, "8.8.8.8", "localhost.evil.com"]) {
      const r = await http(url, "GET", "/api/tags", { host });
      assert.equal(r.status, 403, `Host: ${host}`);
      assert.equal(r.body, "", `Host: ${host}`);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, "LOCALHOST", "app.localhost", "printer.local", "db.internal", "192.168.1.20", "10.0.0.1", "0.0.0.0"]) {
      const r = await http(url, "GET", "/api/tags", { host });
      assert.equal(r.status, 200, `Host: ${host}: ${r.body}`);
    }
  });
});

describe("rm", () => {
  it("removes a model whose manifest is corrupt, as prune's hint says to", async (t) => {
    const { home, store } = await storeWith(t);
    const file = (await store.readManifest("m")).path;
    writeFileSync(file, "{not json");
    assert.throws(() => parseManifest("{not json"));
    const r = await cli(home, "rm", "m");
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /warning\[MS5105\]/);
    assert.ok(!existsSync(file));
    const prune = await cli(home, "prune", "--grace", "0");
    assert.equal(prune.exitCode, 0, prune.stderr);
    assert.equal((await cli(home, "verify")).exitCode, 0);
  });
});

/** `modelsmith serve --port 0` in the background; its URL. Stopped after the test. */
async function serve(t: TestContext, home: string): Promise<string> {
  const child = spawn(process.execPath, [fromRoot("bin/modelsmith.js"), "serve", "--port", "0"], { env: { ...process.env, CI: "1", NO_COLOR: "1", MODELSMITH_HOME: home }, stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  t.after(async () => {
    child.kill("SIGTERM");
    await exited;
  });
  let stderr = "";
  return new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`serve exited before listening:\n${stderr}`)));
  });
}

/** A request with any Host header (fetch does not let one set it). */
function http(url: string, method: string, p: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path: p, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => (text += d)).on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
