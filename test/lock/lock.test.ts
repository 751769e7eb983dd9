import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { emptyLock } from "../../src/lock/lock.js";
import { parseLock } from "../../src/lock/parse.js";
import { LOCK_HEADER, serializeLock } from "../../src/lock/serialize.js";
import { fromRoot } from "../helpers/paths.js";
import { reversed, sampleLock } from "./sample.js";

/** UPDATE_GOLDEN=1 rewrites the golden files from the code instead of checking them (review the diff!). */
const UPDATE = process.env.UPDATE_GOLDEN === "1";

function golden(file: string, actual: string): void {
  const path = fromRoot("test/fixtures/lock", file);
  if (UPDATE) writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, "utf8"), `golden ${file}`);
}

describe("serializeLock", () => {
  it("writes the golden bytes for a fixed lock", () => {
    golden("golden/models.lock", serializeLock(sampleLock()));
  });

  it("writes the golden bytes for an empty lock", () => {
    golden("golden/empty.lock", serializeLock(emptyLock()));
    assert.equal(serializeLock(emptyLock()), `${LOCK_HEADER}\nversion: 1\nreferences: {}\nmodels: {}\n`);
  });

  it("does not depend on the key order of its input objects", () => {
    assert.equal(serializeLock(reversed(sampleLock())), serializeLock(sampleLock()));
  });

  it("ends with exactly one newline and holds no carriage return or tab", () => {
    const text = serializeLock(sampleLock());
    assert.ok(text.endsWith("\n") && !text.endsWith("\n\n"));
    assert.doesNotMatch(text, /[\r\t]/);
  });
});

describe("parseLock", () => {
  for (const file of ["golden/models.lock", "golden/empty.lock"]) {
    it(`serialize(parse(x)) == x for ${file}`, () => {
      const text = readFileSync(fromRoot("test/fixtures/lock", file), "utf8");
      const { lock, diagnostics } = parseLock(text, "models.lock");
      assert.deepEqual(diagnostics, []);
      assert.ok(lock);
      assert.equal(serializeLock(lock), text);
    });
  }

  it("reads back the lock that was written", () => {
    const { lock } = parseLock(serializeLock(sampleLock()), "models.lock");
    assert.deepEqual(lock, sampleLock());
  });

  it("accepts a lock without the header comment, in any key order", () => {
    const text = ["models: {}", "references: {}", "version: 1", ""].join("\n");
    assert.deepEqual(parseLock(text, "models.lock"), { lock: emptyLock(), diagnostics: [] });
  });
});

/** Each invalid fixture's diagnostics, one `line:col code message | hint` per line, pinned in `<name>.expected`. */
describe("parseLock: invalid lock files, every problem at its position", () => {
  const dir = fromRoot("test/fixtures/lock/invalid");
  for (const name of readdirSync(dir).filter((f) => f.endsWith(".lock")).sort()) {
    it(name, () => {
      const text = readFileSync(`${dir}/${name}`, "utf8");
      const { lock, diagnostics } = parseLock(text, `invalid/${name}`);
      assert.equal(lock, undefined);
      assert.ok(diagnostics.length > 0);
      for (const d of diagnostics) assert.equal(d.file, `invalid/${name}`);
      const summary = diagnostics.map((d) => `${d.range!.start.line}:${d.range!.start.column} ${d.code} ${d.message}${d.hint ? ` | ${d.hint}` : ""}\n`).join("");
      golden(`invalid/${name.replace(/\.lock$/, ".expected")}`, summary);
    });
  }
});
