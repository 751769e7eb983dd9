import { fetchWithDeadline, HttpTimeout, httpLimits, timedOut } from "./http.js";
import { error, type SourceRange } from "../diagnostics/diagnostic.js";
import { EnvironmentError, InputError } from "../diagnostics/errors.js";
import { isLoopbackHost } from "../resolve/loopback.js";
import type { Sha256Digest } from "../resolve/reference-types.js";

export const HF_DEFAULT_ENDPOINT = "https://huggingface.co";

/** How to talk to the Hub for one reference: its endpoint, credentials, and where to report problems. */
export interface Hub {
  /** `HF_ENDPOINT` or https://huggingface.co, without a trailing `/`. */
  endpoint: string;
  /** `Authorization: Bearer <HF_TOKEN>` when a token is set. */
  headers: Record<string, string>;
  hasToken: boolean;
  /** The reference, for messages. */
  what: string;
  at: { file?: string; range?: SourceRange };
}

/** What the Hub says about one file at one commit (huggingface_hub's HfFileMetadata). */
export interface HubFile {
  commit: string;
  /** The LFS object's sha256 (`X-Linked-Etag`); absent for a file kept in git itself. */
  digest?: Sha256Digest;
  size?: number;
  /** `{endpoint}/{repo}/resolve/{commit}/{file}`: GET it (redirected to the CDN) for the bytes. */
  url: string;
}

/**
 * The Hub to use, from the environment as huggingface_hub reads it:
 * `HF_ENDPOINT` (default https://huggingface.co; plain http only for a
 * loopback host, else EnvironmentError MS5640) and `HF_TOKEN`.
 */
export function hubFor(what: string, at: Hub["at"], env: NodeJS.ProcessEnv = process.env): Hub {
  const raw = env.HF_ENDPOINT?.trim() || HF_DEFAULT_ENDPOINT;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  const ok = url && (url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.host))) && !url.username && !url.password && !url.search && !url.hash;
  if (!url || !ok) {
    throw new EnvironmentError(error("MS5640", `HF_ENDPOINT=${raw} is not a usable Hub URL`, { ...at, hint: "set HF_ENDPOINT to an https:// URL (http:// only for localhost), or unset it for https://huggingface.co" }));
  }
  const token = env.HF_TOKEN?.trim();
  return { endpoint: url.href.replace(/\/+$/, ""), headers: token ? { Authorization: `Bearer ${token}` } : {}, hasToken: Boolean(token), what, at };
}

/** The resolve URL of a file, quoted as huggingface_hub's hf_hub_url does (the revision as one segment). */
export function resolveUrl(hub: Pick<Hub, "endpoint">, repoId: string, revision: string, file: string): string {
  return `${hub.endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${file.split("/").map(encodeURIComponent).join("/")}`;
}

/** The commit a revision (branch, tag or sha) names now: `GET /api/models/{repo}/revision/{revision}` → `sha`. */
export async function revisionCommit(hub: Hub, repoId: string, revision: string): Promise<string> {
  const res = await call(hub, `${hub.endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}`, "GET");
  if (!res.ok) throw await hubError(hub, res, { repoId, revision });
  const body = (await res.json().catch(() => undefined)) as { sha?: unknown } | undefined;
  const sha = body?.sha;
  if (typeof sha !== "string" || !/^[0-9a-f]{40}$/.test(sha)) {
    throw new EnvironmentError(error("MS5645", `the Hub at ${hub.endpoint} gave no commit for ${repoId}@${revision}`, { ...hub.at, hint: "check HF_ENDPOINT: it must be a Hugging Face Hub" }));
  }
  return sha;
}

/**
 * A file's metadata at a commit, the way huggingface_hub's get_hf_file_metadata
 * reads it: HEAD on the resolve URL without following the redirect to the CDN
 * (relative redirects, for a renamed repository, are followed), then
 * `X-Repo-Commit`, `X-Linked-Etag` (the LFS sha256, quoted) and `X-Linked-Size`.
 */
export async function fileAtCommit(hub: Hub, repoId: string, commit: string, file: string): Promise<HubFile> {
  const url = resolveUrl(hub, repoId, commit, file);
  let at = url;
  let res = await call(hub, at, "HEAD");
  for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 5; hops++) {
    const location = res.headers.get("location");
    if (!location?.startsWith("/") || location.startsWith("//") || res.headers.has("x-linked-etag")) break;
    at = new URL(location, at).href;
    res = await call(hub, at, "HEAD");
  }
  if (res.status >= 400) throw await hubError(hub, res, { repoId, revision: commit, file });
  const repoCommit = res.headers.get("x-repo-commit");
  if (repoCommit && repoCommit !== commit) {
    throw new EnvironmentError(error("MS5645", `the Hub answered for commit ${repoCommit} when asked for ${commit} of ${repoId}`, { ...hub.at, hint: "run again" }));
  }
  const etag = (res.headers.get("x-linked-etag") ?? "").replace(/^W\//, "").replace(/"/g, "").toLowerCase();
  const linkedSize = Number(res.headers.get("x-linked-size") ?? NaN);
  if (/^[0-9a-f]{64}$/.test(etag) && Number.isSafeInteger(linkedSize) && linkedSize >= 0) {
    return { commit, digest: `sha256:${etag}`, size: linkedSize, url };
  }
  return { commit, url };
}

/** One file of a repository at a commit, as the Hub's tree API lists it. */
export interface TreeFile {
  path: string;
  /** The LFS object's size for an LFS file, else the git blob's. */
  size: number;
  /** The LFS object's sha256 (`lfs.oid`); absent for a file kept in git itself. */
  digest?: Sha256Digest;
}

/** Pages followed at most (the Hub pages its tree by 1,000 entries, or 50 with `expand`). */
const MAX_TREE_PAGES = 1000;

/**
 * Every file of a repository at a commit, as huggingface_hub's
 * list_repo_tree(recursive=True) and huggingface.js's listFiles read them:
 * `GET /api/models/{repo}/tree/{commit}?recursive=true&expand=false`, a JSON
 * array of `{type: "file" | "directory", oid, size, path, lfs?: {oid, size,
 * pointerSize}}`, continued by the page the `Link: <…>; rel="next"` header
 * names. Directories are left out. A next page on another origin (where the
 * token must not go), an entry without a path or size, an LFS object without
 * a sha256, or a path with `..` is EnvironmentError MS4404.
 */
export async function listRepoTree(hub: Hub, repoId: string, commit: string): Promise<TreeFile[]> {
  const origin = new URL(hub.endpoint).origin;
  const unusable = (why: string) => new EnvironmentError(error("MS4404", `the Hub at ${hub.endpoint} listed the files of ${repoId}@${commit.slice(0, 12)} unusably: ${why}`, { ...hub.at, hint: "check HF_ENDPOINT: it must be a Hugging Face Hub; run again later" }));
  const out: TreeFile[] = [];
  const seen = new Set<string>();
  let url: string | undefined = `${hub.endpoint}/api/models/${repoId}/tree/${encodeURIComponent(commit)}?recursive=true&expand=false`;
  for (let page = 0; url !== undefined; page++) {
    if (page >= MAX_TREE_PAGES) throw unusable(`more than ${MAX_TREE_PAGES} pages`);
    const res = await call(hub, url, "GET");
    if (!res.ok) throw await hubError(hub, res, { repoId, revision: commit });
    const body = (await res.json().catch(() => undefined)) as unknown;
    if (!Array.isArray(body)) throw unusable("the answer is not a JSON array");
    for (const item of body as Record<string, unknown>[]) {
      if (typeof item !== "object" || item === null) throw unusable("an entry is not an object");
      if (item.type === "directory") continue;
      const p = item.path;
      const lfs = item.lfs as { oid?: unknown; size?: unknown } | undefined | null;
      const size = lfs ? lfs.size : item.size;
      if (typeof p !== "string" || p === "" || p.startsWith("/") || p.split("/").some((s) => s === "" || s === "." || s === "..")) throw unusable(`the path ${JSON.stringify(p)}`);
      if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw unusable(`no size for ${p}`);
      if (lfs && (typeof lfs.oid !== "string" || !/^[0-9a-f]{64}$/.test(lfs.oid))) throw unusable(`the LFS file ${p} has no sha256`);
      if (seen.has(p)) throw unusable(`${p} is listed twice`);
      seen.add(p);
      out.push({ path: p, size, ...(lfs ? { digest: `sha256:${lfs.oid as string}` as Sha256Digest } : {}) });
    }
    const next = nextLink(res.headers.get("link"), url);
    if (next !== undefined && new URL(next).origin !== origin) throw unusable(`the next page is on another origin (${new URL(next).origin})`);
    url = next;
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The `rel="next"` target of an RFC 8288 Link header, resolved against the page it came with. */
function nextLink(header: string | null, base: string): string | undefined {
  for (const part of (header ?? "").split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2]!)) return new URL(m[1]!, base).href;
  }
  return undefined;
}

async function call(hub: Hub, url: string, method: "GET" | "HEAD"): Promise<Response> {
  try {
    // Redirects are not followed here: the token must not travel to another host.
    const res = await fetchWithDeadline(url, { method, headers: { "Accept-Encoding": "identity", ...hub.headers }, redirect: "manual" }, httpLimits());
    if (method === "HEAD" || !res.ok) await res.body?.cancel();
    return res;
  } catch (err) {
    if (err instanceof HttpTimeout) throw timedOut(new URL(hub.endpoint).host, `the Hugging Face Hub (${url})`, err);
    const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    throw new EnvironmentError(error("MS5645", `cannot reach the Hugging Face Hub at ${hub.endpoint}: ${cause}`, { ...hub.at, hint: "check the network and HF_ENDPOINT, then run again" }), { cause: err });
  }
}

/**
 * The error for a failed Hub answer. The Hub names what is missing in
 * `X-Error-Code` (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo);
 * without it, a 404 is read by what was asked for.
 */
async function hubError(hub: Hub, res: Response, asked: { repoId: string; revision: string; file?: string }): Promise<Error> {
  const code = res.headers.get("x-error-code") ?? "";
  const message = res.headers.get("x-error-message");
  const { repoId, revision, file } = asked;
  if (res.status === 401 || res.status === 403) {
    const gated = code === "GatedRepo" || /gated/i.test(message ?? "");
    // The Hub answers 401 RepoNotFound to anonymous requests for a private repository as for a missing one.
    const why = gated ? `${repoId} is a gated repository` : code === "RepoNotFound" ? `repository ${repoId} was not found, or is private` : `${repoId} is private or needs credentials`;
    const hint = hub.hasToken
      ? `HF_TOKEN cannot read ${repoId}: ${gated ? "accept its conditions on the Hub with that account, or " : ""}use a token with read access`
      : `${gated ? `accept its conditions at ${hub.endpoint}/${repoId}, then ` : ""}set HF_TOKEN to an access token (${HF_DEFAULT_ENDPOINT}/settings/tokens)`;
    return new EnvironmentError(error("MS5641", `cannot read ${hub.what}: ${why} (the Hub answered ${res.status})`, { ...hub.at, hint }));
  }
  if (res.status === 404) {
    const missing = code === "RepoNotFound" ? "repo" : code === "RevisionNotFound" ? "revision" : code === "EntryNotFound" ? "file" : file !== undefined ? "file" : "repo or revision";
    if (missing === "repo") return new InputError(error("MS5642", `Hugging Face repository ${repoId} not found`, { ...hub.at, hint: hub.hasToken ? "check the organization and repository names" : "check the organization and repository names; a private repository also needs HF_TOKEN" }));
    if (missing === "revision") return new InputError(error("MS5643", `revision \`${revision}\` not found in ${repoId}`, { ...hub.at, hint: "name a branch, tag or commit sha of the repository (default: main)" }));
    if (missing === "file") return new InputError(error("MS5644", `file \`${file}\` not found in ${repoId} at ${revision.slice(0, 12)}`, { ...hub.at, hint: "check the file's path in the repository's Files tab; paths are case-sensitive" }));
    return new InputError(error("MS5642", `Hugging Face repository ${repoId} or its revision \`${revision}\` not found`, { ...hub.at, hint: "check the repository name and the revision" }));
  }
  return new EnvironmentError(error("MS5645", `the Hub at ${hub.endpoint} answered ${res.status} ${res.statusText} for ${hub.what}`, { ...hub.at, hint: "run again later; check HF_ENDPOINT" }));
}
