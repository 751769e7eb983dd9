import { error } from "../diagnostics/diagnostic.js";
import { InputError } from "../diagnostics/errors.js";
import type { OciReference, OllamaReference, Reference } from "../resolve/reference-types.js";
import { DEFAULT_NAMESPACE, type ModelName } from "../store/name.js";

export type RegistryReference = OllamaReference | OciReference;

/** Where a registry reference lives: host, repository, and the tag or digest its manifest is fetched by. */
export interface Remote {
  host: string;
  /** `namespace/model` for Ollama; the OCI repository as written. */
  repository: string;
  /** The tag, or absent when the reference names a digest only. */
  tag?: string;
  digest?: `sha256:${string}`;
}

/** True for the references pull, push and the registry sources take. */
export function isRegistryReference(r: Reference): r is RegistryReference {
  return r.kind === "ollama" || r.kind === "oci";
}

/** The remote a registry reference names (a pin, when present, wins over the tag for fetching). */
export function remoteOf(r: RegistryReference): Remote {
  const repository = r.kind === "ollama" ? `${r.namespace}/${r.model}` : r.host === "docker.io" && !r.repository.includes("/") ? `library/${r.repository}` : r.repository;
  return { host: r.host, repository, ...(r.tag !== undefined ? { tag: r.tag } : {}), ...(r.digest !== undefined ? { digest: r.digest } : {}) };
}

/** What the manifest is fetched by: the pinned digest, else the tag. */
export function manifestReference(r: Remote): string {
  return r.digest ?? r.tag ?? "latest";
}

/** `host/repository:tag[@digest]`, for messages. */
export function describeRemote(r: Remote): string {
  return `${r.host}/${r.repository}${r.tag !== undefined ? `:${r.tag}` : ""}${r.digest !== undefined ? `@${r.digest}` : ""}`;
}

/**
 * The store name a pulled model is kept under: Ollama's layout
 * `manifests/<host>/<namespace>/<model>/<tag>`. An Ollama reference maps part
 * for part. An OCI repository of one component goes under `library` (Docker's
 * convention), one of two is namespace/model; deeper repositories do not fit
 * Ollama's layout (InputError MS5615). A reference with a digest and no tag
 * is stored under the tag `sha256-<first 12 hex digits>`.
 */
export function storeNameOf(r: RegistryReference): ModelName {
  if (r.kind === "ollama") return { host: r.host, namespace: r.namespace, model: r.model, tag: r.tag };
  const parts = r.repository.split("/");
  if (parts.length > 2) {
    throw new InputError(error("MS5615", `oci://${r.host}/${r.repository} has ${parts.length} path components; the store's layout (Ollama's) holds host/namespace/model`, { hint: "pull a repository named `namespace/model` or `model`" }));
  }
  const [namespace, model] = parts.length === 2 ? [parts[0]!, parts[1]!] : [DEFAULT_NAMESPACE, parts[0]!];
  const tag = r.tag ?? `sha256-${r.digest!.slice("sha256:".length, "sha256:".length + 12)}`;
  return { host: r.host, namespace, model, tag };
}
