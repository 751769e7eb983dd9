import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { TestContext } from "node:test";

/**
 * A registry on 127.0.0.1 that misbehaves on purpose: each repository is one
 * way to be broken or hostile. Only the distribution API's GETs a pull makes
 * (`/v2/<repo>/manifests/<ref>`, `/v2/<repo>/blobs/<digest>`).
 *
 * - `big/manifest`:  a manifest body of 6 MiB, announced by Content-Length
 * - `big/chunked`:   a manifest body streamed without a length, without end
 * - `huge/layer`:    a valid manifest whose model layer claims 2^50 bytes
 * - `large/layer`:   a valid manifest whose model layer claims 100 MiB
 * - `stall/headers`: accepts the connection and never answers
 * - `stall/blob`:    a valid manifest; the model blob (ranges honoured) sends 64 KiB of each request, then nothing
 */
export interface HostileRegistry {
  host: string;
  /** Requests seen, `METHOD path`. */
  requests: string[];
}

const sha = (b: Uint8Array | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

const CONFIG = Buffer.from(JSON.stringify({ model_format: "gguf", model_family: "llama", rootfs: { type: "layers", diff_ids: [] } }));
const BLOB = Buffer.alloc(4 << 20, 7);
/** The digest of `stall/blob`'s model layer (the one that stalls). */
export const STALL_BLOB_DIGEST = sha(BLOB);

function manifest(modelSize: number, modelDigest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: sha(CONFIG), size: CONFIG.length },
      layers: [{ mediaType: "application/vnd.ollama.image.model", digest: modelDigest, size: modelSize }],
    }),
  );
}

export async function startHostileRegistry(t: TestContext): Promise<HostileRegistry> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const url = req.url ?? "";
    const send = (body: Buffer, type = "application/vnd.docker.distribution.manifest.v2+json") => {
      res.writeHead(200, { "Content-Type": type, "Content-Length": body.length, "Docker-Content-Digest": sha(body) });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (url === "/v2/big/manifest/manifests/latest") {
      res.writeHead(200, { "Content-Type": "application/vnd.docker.distribution.manifest.v2+json", "Content-Length": 6 << 20 });
      res.end(Buffer.alloc(6 << 20, 0x20));
    } else if (url === "/v2/big/chunked/manifests/latest") {
      res.writeHead(200, { "Content-Type": "application/vnd.docker.distribution.manifest.v2+json" });
      const piece = Buffer.alloc(1 << 20, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(piece));
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    } else if (url === "/v2/huge/layer/manifests/latest") {
      send(manifest(2 ** 50, sha("a layer that does not exist")));
    } else if (url === "/v2/large/layer/manifests/latest") {
      send(manifest(100 << 20, sha("a layer of 100 MiB")));
    } else if (url.startsWith("/v2/stall/headers/")) {
      // never answers
    } else if (url === "/v2/stall/blob/manifests/latest") {
      send(manifest(BLOB.length, sha(BLOB)));
    } else if (url === `/v2/stall/blob/blobs/${sha(BLOB)}`) {
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
      const start = range ? Number(range[1]) : 0;
      const end = range?.[2] ? Number(range[2]) : BLOB.length - 1;
      res.writeHead(range ? 206 : 200, {
        "Content-Type": "application/octet-stream",
        "Content-Length": end - start + 1,
        ...(range ? { "Content-Range": `bytes ${start}-${end}/${BLOB.length}` } : {}),
      });
      res.write(BLOB.subarray(start, start + (64 << 10)));
      // and then nothing
    } else if (url.endsWith(`/blobs/${sha(CONFIG)}`)) {
      send(CONFIG, "application/octet-stream");
    } else {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN", message: "unknown" }] }));
    }
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}
