/**
 * Sources: one per reference scheme, each turning a parsed reference into a
 * Pin (resolve) and making sure the pinned blob is in the store (fetch).
 * Project references are not sources: they are build dependencies, handled by
 * the build planner (src/build/plan.ts).
 */
import { parseReference } from "../reference.js";
import type { FileReference, Reference, TestModelReference } from "../reference-types.js";
import { ociSource, ollamaSource } from "../../registry/registry-source.js";
import { fileSource } from "./file-source.js";
import { hfSource } from "./hf-source.js";
import { hfRepoSource } from "./hf-repo-source.js";
import { urlSource } from "./url-source.js";
import { error } from "../../diagnostics/diagnostic.js";
import { EnvironmentError } from "../../diagnostics/errors.js";
import { blobInStore, type Pin, type SourceContext } from "./pin.js";
import { testModelSource } from "./testmodel-source.js";
import { unavailableSource } from "./unavailable-source.js";

export { fileSource, localPath, requireGguf } from "./file-source.js";
export type { Pin, Source, SourceContext } from "./pin.js";
export { storedPin } from "./stored-source.js";
export { testModelSource } from "./testmodel-source.js";
export { unavailableSource } from "./unavailable-source.js";

export type PinnableReference = Exclude<Reference, { kind: "project" }>;

/** Resolves a (non-project) reference to its pin. Local paths must already be rebased to the project root. */
export function resolvePin(ref: PinnableReference, ctx: SourceContext): Promise<Pin> {
  switch (ref.kind) {
    case "file":
      return fileSource.resolve(ref, ctx);
    case "testmodel":
      return testModelSource.resolve(ref, ctx);
    case "ollama":
      return ctx.offline ? unavailableSource.resolve(ref, ctx) : ollamaSource.resolve(ref, ctx);
    case "oci":
      return ctx.offline ? unavailableSource.resolve(ref, ctx) : ociSource.resolve(ref, ctx);
    case "hf":
      return ctx.offline ? unavailableSource.resolve(ref, ctx) : hfSource.resolve(ref, ctx);
    case "hfrepo":
      return ctx.offline ? unavailableSource.resolve(ref, ctx) : hfRepoSource.resolve(ref, ctx);
    case "url":
      return ctx.offline ? unavailableSource.resolve(ref, ctx) : urlSource.resolve(ref, ctx);
  }
}

/**
 * Puts the pinned blob in the store (a no-op when it is there). Under
 * --offline, a network pin (from models.lock) must already be in the store:
 * else MS5203, and nothing is asked of the network.
 */
export async function fetchPin(pin: Pin, ctx: SourceContext): Promise<void> {
  const kind = parseReference(pin.locator).reference?.kind;
  // Checks its files itself under --offline, and makes its checkpoint index from them.
  if (kind === "hfrepo") return hfRepoSource.fetch(pin, ctx);
  if (ctx.offline && kind !== undefined && kind !== "file" && kind !== "testmodel" && kind !== "project") {
    for (const blob of [pin, ...(pin.layers ?? [])]) {
      if (await blobInStore(blob, ctx)) continue;
      throw new EnvironmentError(error("MS5203", `${pin.source} is pinned in models.lock, but its blob ${blob.digest} is not in the store, and --offline refuses the network`, { ...ctx.at, hint: "build once without --offline to fetch it" }));
    }
    return;
  }
  if (kind === "file") return fileSource.fetch(pin, ctx);
  if (kind === "testmodel") return testModelSource.fetch(pin, ctx);
  if (kind === "ollama") return ollamaSource.fetch(pin, ctx);
  if (kind === "oci") return ociSource.fetch(pin, ctx);
  if (kind === "hf") return hfSource.fetch(pin, ctx);
  if (kind === "url") return urlSource.fetch(pin, ctx);
  return unavailableSource.fetch(pin, ctx);
}

export type { FileReference, TestModelReference };
