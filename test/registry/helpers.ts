import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";

export const REGISTRY_BIN = "docker-registry";

/** Why registry tests cannot run here, or undefined when docker-registry is installed. */
export function registryMissing(): string | undefined {
  try {
    execFileSync(REGISTRY_BIN, ["--version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "docker-registry (Distribution v2) is not installed: apt-get install -y docker-registry";
  }
}

/** True when skopeo is on PATH. */
export function hasSkopeo(): boolean {
  try {
    execFileSync("skopeo", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A free TCP port on 127.0.0.1 (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Registry {
  port: number;
  /** `127.0.0.1:<port>` */
  host: string;
  /** Filesystem storage root of the registry. */
  storage: string;
  /** The file of blob `digest` in the registry's storage. */
  blobFile(digest: string): string;
  /** Stops the registry (SIGTERM, waits for it to exit); its storage stays until the test ends. */
  stop(): Promise<void>;
}

/**
 * Starts a real Distribution registry (`docker-registry serve`) on a free
 * loopback port with filesystem storage in a temp dir, and stops it (and
 * removes the dir) after the test. `htpasswd`: the contents of an htpasswd
 * file, which turns on Basic auth.
 */
export async function startRegistry(t: TestContext, o: { htpasswd?: string } = {}): Promise<Registry> {
  const dir = mkdtempSync(path.join(tmpdir(), "modelsmith-registry-"));
  const storage = path.join(dir, "data");
  mkdirSync(storage);
  const port = await freePort();
  const auth = o.htpasswd === undefined ? "" : `auth:\n  htpasswd:\n    realm: modelsmith-test\n    path: ${path.join(dir, "htpasswd")}\n`;
  if (o.htpasswd !== undefined) writeFileSync(path.join(dir, "htpasswd"), o.htpasswd);
  writeFileSync(
    path.join(dir, "config.yml"),
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`,
  );
  const child: ChildProcess = spawn(REGISTRY_BIN, ["serve", path.join(dir, "config.yml")], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  };
  t.after(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; ; i++) {
    const status = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status, () => 0);
    if (status === 200 || status === 401) break;
    if (i > 100 || child.exitCode !== null) throw new Error(`docker-registry did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    host: `127.0.0.1:${port}`,
    storage,
    stop,
    blobFile: (digest) => {
      const hex = digest.replace(/^sha256:/, "");
      return path.join(storage, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
    },
  };
}

export interface ProxyOptions {
  /** Hold the response to a request forever (a connection that hangs). */
  stall?: (req: http.IncomingMessage) => boolean;
  /** Demand Bearer tokens from the realm `/token` (Basic credentials `user:password` for a token, when given). */
  bearer?: { credentials?: string };
  /** Pass the client's Host on, so that the registry's Location headers (upload sessions) point back at the proxy. */
  keepHost?: boolean;
}

export interface Proxy {
  port: number;
  host: string;
  /** Requests seen, as `METHOD /path`. */
  requests: string[];
  /** Body bytes sent for blob GETs. */
  blobBytes: number;
  options: ProxyOptions;
}

/**
 * A reverse proxy on a free loopback port in front of `upstream`: counts
 * requests and blob bytes, can stall chosen requests (a network that hangs
 * mid-download) and can stand in front as a Bearer-token registry
 * (401 `WWW-Authenticate: Bearer realm=…,service=…,scope=…`, tokens from its
 * own `/token`). Closed after the test.
 */
export async function startProxy(t: TestContext, upstream: number, options: ProxyOptions = {}): Promise<Proxy> {
  const port = await freePort();
  const proxy: Proxy = { port, host: `127.0.0.1:${port}`, requests: [], blobBytes: 0, options };
  const TOKEN = "token-for-tests";
  const server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    proxy.requests.push(`${req.method} ${url.replace(/\?.*$/, "")}`);
    const bearer = proxy.options.bearer;
    if (bearer && url.startsWith("/token")) {
      const expected = bearer.credentials ? `Basic ${Buffer.from(bearer.credentials).toString("base64")}` : undefined;
      if (expected && req.headers.authorization !== expected) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ token: TOKEN }));
      return;
    }
    if (bearer && url.startsWith("/v2/") && req.headers.authorization !== `Bearer ${TOKEN}`) {
      const repo = /^\/v2\/(.+?)\/(manifests|blobs)\//.exec(url)?.[1] ?? "";
      res.writeHead(401, { "WWW-Authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="test-registry",scope="repository:${repo}:pull"`, "Content-Type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
      return;
    }
    if (proxy.options.stall?.(req)) return;
    const headers = { ...req.headers, host: proxy.options.keepHost ? (req.headers.host ?? proxy.host) : `127.0.0.1:${upstream}` };
    delete headers.authorization;
    const up = http.request({ host: "127.0.0.1", port: upstream, method: req.method, path: url, headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      const isBlob = req.method === "GET" && /\/blobs\/sha256:/.test(url);
      ur.on("data", (d: Buffer) => {
        if (isBlob) proxy.blobBytes += d.length;
        res.write(d);
      });
      ur.on("end", () => res.end());
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return proxy;
}

/** True when `file` exists. */
export const exists = (file: string) => existsSync(file);
