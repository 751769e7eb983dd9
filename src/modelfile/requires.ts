import semver from "semver";

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
  return semver.parse(v, { loose: false }) === null ? undefined : v;
}
