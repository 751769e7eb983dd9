/**
 * Local HTTP servers that speak the protocols the network sources use: a
 * file server (HEAD, GET, single `Range`, strong ETags, `If-Range`) that can
 * break a response off or send other bytes, and a fake Hugging Face Hub (the
 * revision API and `resolve/` with the headers huggingface_hub reads, then a
 * 302 to a "CDN": a file server on another port, or a path of its own).
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { TestContext } from "node:test";

/** One request as the server saw it. */
export interface Seen {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
}

export interface FileServer {
  url: string;
  files: Map<string, Buffer>;
  seen: Seen[];
  /** Body bytes sent, over all requests. */
  sent: number;
  /** Close the socket after this many body bytes, once. */
  breakOnceAfter?: number;
  /** Send these bytes instead of the file's (same length). */
  lie?: (path: string) => Buffer | undefined;
  /** Answer a GET for which this is true with its headers and then nothing: the response hangs until the client goes. */
  stall?: (path: string, range: string | undefined) => boolean;
  /** Serves under this server's own routes; used by the Hub for a same-origin CDN. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, path: string): void;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function listen(t: TestContext, handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A file server: `files` maps a path (`/x.gguf`) to its bytes. */
export async function fileServer(t: TestContext, files: Record<string, Buffer> = {}): Promise<FileServer> {
  const fs: FileServer = {
    url: "",
    files: new Map(Object.entries(files)),
    seen: [],
    sent: 0,
    handle(req, res, path) {
      fs.seen.push({ method: req.method!, path, ...(req.headers.range ? { range: req.headers.range } : {}), ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
      const file = fs.files.get(path);
      if (!file) return void res.writeHead(404).end("not found");
      const body = fs.lie?.(path) ?? file;
      const etag = `"${sha256(file).slice(0, 16)}"`;
      let start = 0;
      let end = body.length - 1;
      let status = 200;
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
      const ifRange = req.headers["if-range"];
      if (range && (ifRange === undefined || ifRange === etag)) {
        start = Number(range[1]);
        end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
        if (start > end) return void res.writeHead(416, { "Content-Range": `bytes */${body.length}` }).end();
        status = 206;
      }
      const headers: http.OutgoingHttpHeaders = { "Content-Length": end - start + 1, ETag: etag, "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream" };
      if (status === 206) headers["Content-Range"] = `bytes ${start}-${end}/${body.length}`;
      res.writeHead(status, headers);
      if (req.method === "HEAD") return void res.end();
      if (fs.stall?.(path, req.headers.range)) return void res.flushHeaders();
      let slice = body.subarray(start, end + 1);
      const limit = fs.breakOnceAfter;
      if (limit !== undefined && slice.length > limit) {
        fs.breakOnceAfter = undefined;
        slice = slice.subarray(0, limit);
        fs.sent += slice.length;
        res.write(slice, () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      fs.sent += slice.length;
      res.end(slice);
    },
  };
  fs.url = await listen(t, (req, res) => fs.handle(req, res, decodeURIComponent(new URL(req.url!, "http://x").pathname)));
  return fs;
}

interface Repo {
  /** Branch or tag -> commit sha. */
  refs: Map<string, string>;
  /** Commit sha -> file path -> bytes. */
  commits: Map<string, Map<string, Buffer>>;
  /** Gated: only `Bearer <token>` may read it. */
  token?: string;
}

export interface FakeHub {
  /** HF_ENDPOINT. */
  url: string;
  /** The CDN the Hub redirects to. */
  cdn: FileServer;
  /** Requests the Hub itself answered. */
  seen: Seen[];
  /** Makes a commit holding `files` and points `branch` at it; returns the commit sha. */
  commit(repoId: string, files: Record<string, Buffer>, branch?: string, opts?: { token?: string }): string;
  /** The LFS files (those at least `lfsFrom` bytes; default all) answer X-Linked-Etag; the rest are plain git files. */
  lfsFrom: number;
  /** Names the tree API's next page on this origin instead of the Hub's own (a misbehaving Hub). */
  nextOrigin?: string;
  /** Entries per page of the tree API (the Hub's is 1,000); later pages are named by `Link: <…>; rel="next"`. */
  treePage: number;
}

/**
 * A fake Hub. `cdn: "same"` serves the CDN under `/cdn/` of the Hub's own
 * origin; otherwise it is a file server on another port.
 */
export async function fakeHub(t: TestContext, opts: { cdn?: "same" | "other" } = {}): Promise<FakeHub> {
  const repos = new Map<string, Repo>();
  let n = 0;
  const hub: FakeHub = {
    url: "",
    cdn: undefined as unknown as FileServer,
    seen: [],
    lfsFrom: 0,
    treePage: 1000,
    commit(repoId, files, branch = "main", o = {}) {
      const repo = repos.get(repoId) ?? { refs: new Map(), commits: new Map(), ...(o.token ? { token: o.token } : {}) };
      repos.set(repoId, repo);
      const sha = createHash("sha1").update(`${repoId} ${++n}`).digest("hex");
      repo.commits.set(sha, new Map(Object.entries(files).map(([p, b]) => [p, b])));
      repo.refs.set(branch, sha);
      for (const b of Object.values(files)) hub.cdn.files.set(`/cdn/${sha256(b)}`, b);
      return sha;
    },
  };
  const fail = (res: http.ServerResponse, status: number, code: string, message: string) => res.writeHead(status, { "X-Error-Code": code, "X-Error-Message": message, "Content-Type": "application/json" }).end(JSON.stringify({ error: message }));
  const handler: http.RequestListener = (req, res) => {
    const path = new URL(req.url!, "http://x").pathname;
    if (opts.cdn === "same" && path.startsWith("/cdn/")) return hub.cdn.handle(req, res, path);
    hub.seen.push({ method: req.method!, path, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(path);
    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)$/.exec(path);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const repoId = api?.[1] ?? tree?.[1] ?? resolve?.[1];
    const repo = repoId ? repos.get(repoId) : undefined;
    if (!api && !tree && !resolve) return fail(res, 404, "", "no such route");
    // As the Hub: anonymous requests cannot tell a missing repository from a private one.
    if (!repo) return fail(res, req.headers.authorization ? 404 : 401, "RepoNotFound", "Repository not found");
    if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) return fail(res, 401, "GatedRepo", "Access to this repository is restricted");
    const rev = decodeURIComponent((api ?? tree ?? resolve)![2]!);
    const sha = repo.refs.get(rev) ?? (repo.commits.has(rev) ? rev : undefined);
    if (!sha) return fail(res, 404, "RevisionNotFound", `Invalid rev id: ${rev}`);
    if (api) return void res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ id: repoId, sha, siblings: [...repo.commits.get(sha)!.keys()].map((rfilename) => ({ rfilename })) }));
    if (tree) {
      // https://huggingface.co/docs/hub/api: GET /api/models/{repo_id}/tree/{revision}; entries as huggingface.js's ListFileEntry,
      // directories included, paged with a cursor and a Link header as the Hub does.
      const query = new URL(req.url!, "http://x").searchParams;
      const files = [...repo.commits.get(sha)!.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
      const dirs = [...new Set(files.flatMap(([p]) => p.split("/").slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join("/"))))];
      const entries = [
        ...dirs.map((d) => ({ type: "directory", oid: createHash("sha1").update(d).digest("hex"), size: 0, path: d })),
        ...files.map(([p, b]) => ({
          type: "file",
          oid: createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex"),
          size: b.length,
          ...(b.length >= hub.lfsFrom ? { lfs: { oid: sha256(b), size: b.length, pointerSize: 134 } } : {}),
          path: p,
        })),
      ].filter((e) => query.get("recursive") === "true" || !e.path.includes("/"));
      const from = Number(query.get("cursor") ?? 0);
      const page = entries.slice(from, from + hub.treePage);
      const headers: http.OutgoingHttpHeaders = { "Content-Type": "application/json" };
      if (from + hub.treePage < entries.length) {
        const next = new URL(req.url!, hub.nextOrigin ?? hub.url);
        next.searchParams.set("cursor", String(from + hub.treePage));
        headers.Link = `<${next.href}>; rel="next"`;
      }
      return void res.writeHead(200, headers).end(JSON.stringify(page));
    }
    const file = decodeURIComponent(resolve![3]!);
    const bytes = repo.commits.get(sha)!.get(file);
    if (!bytes) return fail(res, 404, "EntryNotFound", `${file} does not exist on "${rev}"`);
    const common = { "X-Repo-Commit": sha, ETag: `"${createHash("sha1").update(bytes).digest("hex")}"` };
    if (bytes.length < hub.lfsFrom) {
      // A plain git file: served by the Hub itself, no X-Linked-*.
      res.writeHead(200, { ...common, "Content-Length": bytes.length });
      return void res.end(req.method === "HEAD" ? undefined : bytes);
    }
    res.writeHead(302, { ...common, Location: `${hub.cdn.url}/cdn/${sha256(bytes)}`, "X-Linked-Etag": `"${sha256(bytes)}"`, "X-Linked-Size": bytes.length, "Content-Length": 0 });
    res.end();
  };
  hub.url = await listen(t, handler);
  if (opts.cdn === "same") {
    hub.cdn = await fileServer(t);
    hub.cdn.url = hub.url;
  } else hub.cdn = await fileServer(t);
  return hub;
}
