import type { Diagnostic } from "./diagnostic.js";

/**
 * What kind of failure ended a command; each maps to one exit code (DESIGN.md):
 * `check` 1 (a check failed: test assertion, fmt --check, lock --check, --frozen drift),
 * `input` 2 (usage, parse, validation, unknown model), `environment` 3 (network,
 * registry, disk, missing binary), `internal` 4 (a bug).
 */
export type ErrorKind = "check" | "input" | "environment" | "internal";

export const EXIT_CODES: Record<ErrorKind | "ok", number> = {
  ok: 0,
  check: 1,
  input: 2,
  environment: 3,
  internal: 4,
};

/** An error that carries diagnostics to show the user instead of a stack trace. */
export class ModelsmithError extends Error {
  constructor(
    readonly kind: Exclude<ErrorKind, "internal">,
    readonly diagnostics: Diagnostic[],
    options?: { cause?: unknown },
  ) {
    super(diagnostics.map((d) => `${d.code}: ${d.message}`).join("\n"), options);
    this.name = "ModelsmithError";
  }
}

/** Bad input from the user: exit 2. */
export class InputError extends ModelsmithError {
  constructor(diagnostics: Diagnostic | Diagnostic[], options?: { cause?: unknown }) {
    super("input", Array.isArray(diagnostics) ? diagnostics : [diagnostics], options);
  }
}

/** The environment failed (network, disk, registry, a missing binary): exit 3. */
export class EnvironmentError extends ModelsmithError {
  constructor(diagnostics: Diagnostic | Diagnostic[], options?: { cause?: unknown }) {
    super("environment", Array.isArray(diagnostics) ? diagnostics : [diagnostics], options);
  }
}

/** A check did not pass (tests, fmt --check, lock drift): exit 1. */
export class CheckFailedError extends ModelsmithError {
  constructor(diagnostics: Diagnostic | Diagnostic[], options?: { cause?: unknown }) {
    super("check", Array.isArray(diagnostics) ? diagnostics : [diagnostics], options);
  }
}

export function exitCodeFor(err: unknown): number {
  return err instanceof ModelsmithError ? EXIT_CODES[err.kind] : EXIT_CODES.internal;
}
