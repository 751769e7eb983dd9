/**
 * The content-addressed model store, in Ollama's on-disk layout. Start with
 * `Store` (store.ts) and `resolveStoreRoot` (store-root.ts); the pure parts
 * (names, digests, manifest/config serialization, derived-model rules) are
 * usable without a store.
 */
export * from "./blob-check.js";
export * from "./codes.js";
export * from "./derive.js";
export * from "./digest.js";
export * from "./du.js";
export * from "./gc.js";
export * from "./go-json.js";
export * from "./hash-file.js";
export * from "./ingest.js";
export * from "./layer-content.js";
export * from "./layout.js";
export * from "./lock.js";
export * from "./manifest.js";
export * from "./manifest-files.js";
export * from "./manifest-write.js";
export * from "./media-types.js";
export * from "./model-config.js";
export * from "./name.js";
export * from "./put-blob.js";
export * from "./stat-cache.js";
export * from "./store.js";
export * from "./store-root.js";
export * from "./verify.js";
