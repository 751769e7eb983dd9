/**
 * Doc tests (one test/docs/<page>.test.ts per page): every ```sh block of the newcomer docs runs, in page order, as a
 * reader would type it, against a fresh store (see doc-blocks.ts for the info
 * strings). Per page: a fresh temp directory (a block's `cd` carries over to
 * the next), a fresh MODELSMITH_HOME, `modelsmith` on PATH as this checkout's
 * bin/modelsmith.js, and port 11434 in a block's text mapped to a free port,
 * so that a page's `modelsmith serve` and its `curl` meet without colliding
 * with anything else on the machine (a `serve` block without `--port` gets
 * `--port <that port>` appended). `serve` blocks run in the background until
 * the page ends and are stopped with SIGTERM.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { fromRoot } from "../helpers/paths.js";
import { docBlocks } from "./doc-blocks.js";

const BLOCK_TIMEOUT_MS = 180_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function untilServing(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) assert.fail(`serve exited with ${child.exitCode}:\n${log()}`);
    const up = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`serve did not answer within 60 s:\n${log()}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** The doc test of one page (one test file per page, so that pages run in parallel). */
export function docPageTest(page: string): void {
  test(`docs/${page}: every sh block runs as written`, async (t) => {
    const markdown = readFileSync(fromRoot("docs", page), "utf8");
    const blocks = docBlocks(markdown);
    assert.ok(blocks.some((b) => b.kind === "sh" && b.run), `${page} has sh blocks that run`);
    const root = mkdtempSync(path.join(tmpdir(), "modelsmith-doc-"));
    const servers: ChildProcess[] = [];
    t.after(async () => {
      for (const s of servers) await stop(s);
      rmSync(root, { recursive: true, force: true });
    });
    const bin = path.join(root, "bin");
    const work = path.join(root, "work");
    mkdirSync(bin);
    mkdirSync(work);
    writeFileSync(path.join(bin, "modelsmith"), `#!/bin/sh\nexec "${process.execPath}" "${fromRoot("bin/modelsmith.js")}" "$@"\n`);
    chmodSync(path.join(bin, "modelsmith"), 0o755);
    const port = await freePort();
    const env = { PATH: `${bin}:${process.env.PATH ?? ""}`, MODELSMITH_HOME: path.join(root, "store"), CI: "1", NO_COLOR: "1" };
    const cwdFile = path.join(root, "cwd");
    let cwd = work;
    for (const block of blocks) {
      const where = `docs/${page}:${block.line}`;
      if (block.kind === "file") {
        const file = path.resolve(cwd, block.path);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, block.text);
        continue;
      }
      if (!block.run) continue;
      const text = block.text.replaceAll("11434", String(port));
      if (block.serve) {
        // `modelsmith serve` listens on 11434 by default: give it the page's port.
        const command = /--port\b/.test(text) ? text.trim() : `${text.trim()} --port ${port}`;
        const child = spawn("bash", ["-c", `exec ${command}`], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        servers.push(child);
        let log = "";
        child.stdout!.on("data", (d: Buffer) => (log += d.toString()));
        child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
        await untilServing(port, child, () => `${where}\n${log}`);
        continue;
      }
      const script = `trap 'pwd > "${cwdFile}"' EXIT\nset -e -o pipefail\n${text}`;
      const r = await execa("bash", ["-c", script], { cwd, env, input: "", reject: false, timeout: BLOCK_TIMEOUT_MS });
      assert.equal(r.exitCode, block.exit, `${where}: exit ${r.exitCode}, expected ${block.exit}\n$ ${text}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      cwd = readFileSync(cwdFile, "utf8").trim() || cwd;
    }
  });
}
