import { createRequire } from "node:module";
import type semverModule from "semver";

// Loaded on first use: most commands never read a REQUIRES line, and semver
// costs every CLI start about 50 ms.
let semver: typeof semverModule | undefined;

/**
 * Checks a REQUIRES value the way Ollama does (golang.org/x/mod/semver after
 * prefixing `v`): a full semantic version `1.2.3[-pre][+build]`, or the short
 * forms `1` and `1.2`; a leading `v` is allowed. Returns the version without
 * its `v` (what Ollama stores), or undefined when invalid.
 */
export function normalizeRequires(value: string): string | undefined {
  const v = value.startsWith("v") ? value.slice(1) : value;
  if (/^(0|[1-9]\d*)(\.(0|[1-9]\d*))?$/.test(v)) return v;
  if (!/^\d/.test(v)) return undefined;
  semver ??= createRequire(import.meta.url)("semver") as typeof semverModule;
  return semver.parse(v, { loose: false }) === null ? undefined : v;
}
