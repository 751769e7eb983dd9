import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { diffLock } from "../../src/lock/diff.js";
import type { Lock, LockedReference } from "../../src/lock/lock.js";
import { parseLock } from "../../src/lock/parse.js";
import { serializeLock } from "../../src/lock/serialize.js";
import { formatReference, type Reference } from "../../src/resolve/reference.js";
import { hex64, reference } from "../resolve/arbitraries.js";
import { reversed } from "./sample.js";

const digest = hex64.map((h) => `sha256:${h}` as const);

/** The immutable locator a resolver would record for `r`. */
function locatorOf(r: Reference, manifest: `sha256:${string}`, commit: string): string {
  if (r.kind === "ollama" || r.kind === "oci") return formatReference({ ...r, digest: r.digest ?? manifest });
  if (r.kind === "hf" || r.kind === "hfrepo") return formatReference({ ...r, revision: commit });
  return formatReference(r);
}

const entry = fc
  .tuple(reference.filter((r) => r.kind !== "project"), digest, digest, fc.stringMatching(/^[0-9a-f]{40}$/), fc.nat({ max: Number.MAX_SAFE_INTEGER }))
  .map(([r, blob, manifest, commit, size]): [string, LockedReference] => [formatReference(r), { locator: locatorOf(r, manifest, commit), digest: blob, size, ...(r.kind === "hfrepo" ? { files: [{ path: "m.gguf", digest: blob, size }] } : {}) }]);
const modelName = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,12}$/);
const tagName = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,12}$/);
/** fc.dictionary builds null-prototype objects; a parsed lock holds plain ones. */
const plain = <V>(o: Record<string, V>): Record<string, V> => Object.fromEntries(Object.entries(o));
const variants = fc.dictionary(tagName, fc.record({ inputs: digest, manifest: digest }).map((v) => ({ ...v })), { minKeys: 1, maxKeys: 3 }).map(plain);

const lock: fc.Arbitrary<Lock> = fc
  .tuple(fc.array(entry, { maxLength: 6 }), fc.dictionary(modelName, variants, { maxKeys: 4 }))
  .map(([refs, models]) => ({ version: 1, references: Object.fromEntries(refs), models: plain(models) }));

describe("models.lock fuzz", () => {
  it("parse(serialize(lock)) == lock, serialize is a fixed point, and key order does not matter", () => {
    fc.assert(
      fc.property(lock, (l) => {
        const text = serializeLock(l);
        const { lock: back, diagnostics } = parseLock(text, "models.lock");
        assert.deepEqual(diagnostics, [], text);
        assert.deepEqual(back, l);
        assert.equal(serializeLock(back!), text);
        assert.equal(serializeLock(reversed(l)), text);
        assert.deepEqual(diffLock(l, back!), []);
      }),
      { numRuns: 150, seed: 17 },
    );
  });

  it("a `__proto__` tag is an ordinary key", () => {
    const l: Lock = { version: 1, references: {}, models: { chat: Object.fromEntries([["__proto__", { inputs: `sha256:${"1".repeat(64)}`, manifest: `sha256:${"2".repeat(64)}` }]]) } };
    const text = serializeLock(l);
    assert.match(text, /\n {4}__proto__:\n/);
    const back = parseLock(text, "models.lock").lock!;
    assert.deepEqual(Object.keys(back.models.chat!), ["__proto__"]);
    assert.equal(Object.getPrototypeOf(back.models.chat), Object.prototype);
    assert.equal(serializeLock(back), text);
  });
});
