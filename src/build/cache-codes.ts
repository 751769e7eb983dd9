import { defineCodes } from "../diagnostics/registry.js";

/** Diagnostics of the remote build cache (`build --cache-from/--cache-to`, `cache:` in modelsmith.yaml; MS570x). */
export const CACHE_CODES = defineCodes({
  MS5700: {
    title: "remote build cache unavailable",
    example: "modelsmith build --cache-from oci://127.0.0.1:5000/cache   (nothing listens there, or the registry refuses the credentials)",
    fix: "A warning: the build goes on locally. Check that the registry is up, and its credentials (~/.docker/config.json or MODELSMITH_REGISTRY_AUTH); a repository that does not exist yet is filled by the first `--cache-to`.",
  },
  MS5701: {
    title: "remote build cache entry does not verify",
    example: "modelsmith build --cache-from oci://127.0.0.1:5000/cache   (a blob in the registry's storage was changed)",
    fix: "A warning: the step is computed locally instead, and nothing unverified enters the store. The cache's blob is damaged or was replaced; remove it from the registry (or use a fresh cache repository).",
  },
  MS5702: {
    title: "cannot write to the remote build cache",
    example: "modelsmith build --cache-to oci://127.0.0.1:5000/cache   (the registry is read-only, or the credentials may only pull)",
    fix: "A warning: the build itself succeeded. Give credentials that may push to the cache repository.",
  },
  MS5703: {
    title: "invalid remote build cache reference",
    example: "cache:\n  from: 127.0.0.1:5000/cache      # not oci://\n  to: oci://127.0.0.1:5000/cache:v1   # a tag",
    fix: "Write the cache as `oci://host[:port]/repository`, without a tag or digest: each step's entry gets its own tag, derived from its key.",
  },
  MS5800: {
    title: "cannot repair a damaged remote build cache entry",
    example: "modelsmith build --cache-from oci://127.0.0.1:5000/cache --cache-to oci://127.0.0.1:5000/cache   (a blob in the registry's storage was changed)",
    fix: "A warning: the build succeeded, and the good blob was uploaded again, but the registry still serves the damaged bytes under that digest (Distribution keeps a blob it already has). Delete the blob from the registry's storage and run its garbage collection, or use a fresh cache repository.",
  },
});
