import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ModelsmithError } from "../../src/diagnostics/index.js";
import {
  displayShortest,
  formatModelName,
  isFullyQualified,
  isValidPart,
  MISSING_PART,
  nameFromPathParts,
  parseModelName,
  parseNameBare,
  tryParseModelName,
  withDefaults,
  type BareName,
} from "../../src/store/name.js";
import { fromRoot } from "../helpers/paths.js";

const part80 = "8".repeat(80);
const part350 = "3".repeat(350);

describe("model names (Ollama's grammar)", () => {
  it("splits names into parts like Ollama's ParseNameBare", () => {
    const cases: Array<[string, BareName, string]> = [
      ["registry.ollama.ai/library/dolphin-mistral:7b-v2.6-dpo-laser-q6_K", { host: "registry.ollama.ai", namespace: "library", model: "dolphin-mistral", tag: "7b-v2.6-dpo-laser-q6_K" }, "registry.ollama.ai/library/dolphin-mistral:7b-v2.6-dpo-laser-q6_K"],
      ["scheme://host:port/namespace/model:tag", { scheme: "scheme", host: "host:port", namespace: "namespace", model: "model", tag: "tag" }, "host:port/namespace/model:tag"],
      ["host/namespace/model:tag", { host: "host", namespace: "namespace", model: "model", tag: "tag" }, "host/namespace/model:tag"],
      ["host:port/namespace/model", { host: "host:port", namespace: "namespace", model: "model" }, "host:port/namespace/model:latest"],
      ["namespace/model", { namespace: "namespace", model: "model" }, "registry.ollama.ai/namespace/model:latest"],
      ["model", { model: "model" }, "registry.ollama.ai/library/model:latest"],
      ["code-assistant", { model: "code-assistant" }, "registry.ollama.ai/library/code-assistant:latest"],
      ["llama3:8b", { model: "llama3", tag: "8b" }, "registry.ollama.ai/library/llama3:8b"],
      ["h/nn/mm:t", { host: "h", namespace: "nn", model: "mm", tag: "t" }, "h/nn/mm:t"],
      [`${part80}/${part80}/${part80}:${part80}`, { host: part80, namespace: part80, model: part80, tag: part80 }, `${part80}/${part80}/${part80}:${part80}`],
      [`${part350}/${part80}/${part80}:${part80}`, { host: part350, namespace: part80, model: part80, tag: part80 }, `${part350}/${part80}/${part80}:${part80}`],
    ];
    for (const [input, bare, full] of cases) {
      assert.deepEqual(parseNameBare(input), bare, input);
      assert.equal(formatModelName(parseModelName(input)), full, input);
    }
  });

  it("marks parts promised by a separator but empty as missing", () => {
    assert.deepEqual(parseNameBare("mm:"), { model: "mm", tag: MISSING_PART });
    assert.deepEqual(parseNameBare("/nn/mm"), { host: MISSING_PART, namespace: "nn", model: "mm" });
    assert.deepEqual(parseNameBare("//"), { host: MISSING_PART, namespace: MISSING_PART, model: MISSING_PART });
    assert.deepEqual(parseNameBare(""), { model: "" });
  });

  it("accepts and rejects fully qualified names as Ollama's IsValid does", () => {
    const valid: Record<string, boolean> = {
      "": false,
      "_why/_the/_lucky:_stiff": true,
      "h/n/m:t": true,
      "host/namespace/model:tag": true,
      "host/namespace/model": false,
      "namespace/model": false,
      model: false,
      [`${part80}/${part80}/${part80}:${part80}`]: true,
      [`${part350}/${part80}/${part80}:${part80}`]: true,
      [`${part350}3/${part80}/${part80}:${part80}`]: false,
      [`h/${part80}8/m:t`]: false,
      "h/nn/mm:t": true,
      m: false,
      "n/m:": false,
      "h/n/m": false,
      "@t": false,
      "m@d": false,
      "^": false,
      "mm:": false,
      "/nn/mm": false,
      "//": false,
      "//mm": false,
      "hh//": false,
      "//mm:@": false,
      "00@": false,
      "@": false,
      "-hh/nn/mm:tt": false,
      "hh/-nn/mm:tt": false,
      "hh/nn/-mm:tt": false,
      "hh/nn/mm:-tt": false,
      "host:https/namespace/model:tag": true,
      "host/name:space/model:tag": false,
      "host/name.space/model:tag": false,
      "host/ns/mo.del:ta.g": true,
      "a/b/../c:d": false,
    };
    for (const [s, want] of Object.entries(valid)) {
      const bare = parseNameBare(s);
      assert.equal(isFullyQualified(bare), want, s);
      if (want) assert.equal(formatModelName(bare as never), s, `round trip of ${s}`);
    }
  });

  it("checks each part's characters and length", () => {
    assert.equal(isValidPart("host", "a:123"), true);
    assert.equal(isValidPart("host", "a:123/aa/bb"), false);
    assert.equal(isValidPart("namespace", "a."), false);
    assert.equal(isValidPart("model", "-h"), false);
    assert.equal(isValidPart("tag", "."), false);
    assert.equal(isValidPart("tag", ".."), false);
    assert.equal(isValidPart("model", "é"), false);
  });

  it("applies project defaults for the parts a name leaves out", () => {
    assert.deepEqual(tryParseModelName("writer", { host: "registry.ollama.ai", namespace: "acme", tag: "v1" }), { host: "registry.ollama.ai", namespace: "acme", model: "writer", tag: "v1" });
    assert.deepEqual(withDefaults({ model: "m", tag: MISSING_PART }), { model: "m", host: "registry.ollama.ai", namespace: "library", tag: MISSING_PART });
    assert.equal(tryParseModelName("m:"), undefined);
  });

  it("prints the shortest name like Ollama's DisplayShortest", () => {
    const cases: Record<string, string> = {
      "registry.ollama.ai/library/model:latest": "model:latest",
      "registry.ollama.ai/library/model:tag": "model:tag",
      "registry.ollama.ai/namespace/model:tag": "namespace/model:tag",
      "host/namespace/model:tag": "host/namespace/model:tag",
      "host/library/model:tag": "host/library/model:tag",
      "REGISTRY.ollama.ai/LIBRARY/m:t": "m:t",
    };
    for (const [input, want] of Object.entries(cases)) assert.equal(displayShortest(parseModelName(input)), want, input);
  });

  it("reads names back from manifest paths, rejecting anything that is not one", () => {
    assert.deepEqual(nameFromPathParts(["host:port", "namespace", "model", "tag"]), { host: "host:port", namespace: "namespace", model: "model", tag: "tag" });
    for (const parts of [["namespace", "model", "tag"], ["..", "..", "model", "tag"], ["", "namespace", ".", "tag"], [".", ".", ".", "."], ["path", "to", "random", "file", "x"]]) {
      assert.equal(nameFromPathParts(parts), undefined, parts.join("/"));
    }
  });

  it("explains an invalid name with MS5101, naming the bad part", () => {
    const message = (s: string): string => {
      try {
        parseModelName(s);
      } catch (err) {
        assert.ok(err instanceof ModelsmithError);
        assert.equal(err.kind, "input");
        assert.equal(err.diagnostics[0]!.code, "MS5101");
        return err.diagnostics[0]!.message;
      }
      assert.fail(`${s} parsed`);
    };
    assert.equal(message("-code-assistant"), 'invalid model name "-code-assistant": the model "-code-assistant" must start with a letter, digit or _');
    assert.equal(message("llama3:"), 'invalid model name "llama3:": the tag is empty');
    assert.equal(message("acme.corp/writer"), 'invalid model name "acme.corp/writer": the namespace "acme.corp" may only hold letters, digits, _ -');
    assert.equal(message(`m:${"t".repeat(81)}`), 'invalid model name "m:' + "t".repeat(81) + '": the tag is longer than 80 characters');
    assert.equal(message("a b"), 'invalid model name "a b": the model "a b" may only hold letters, digits, _ - .');
  });
});

describe("model names, against Ollama's own parser", () => {
  // Each line holds a string and what Ollama's ParseNameBare / ParseName (types/model/name.go at
  // ollama/ollama fb30760, compiled with Go) made of it: 327 strings drawn from 60,000 fuzzed ones.
  const corpus = readFileSync(fromRoot("test/fixtures/store/ollama-names.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as {
    s: string; host: string; namespace: string; model: string; tag: string; scheme: string; bareValid: boolean; valid: boolean; full: string;
  });

  it("splits, validates and completes every corpus name exactly as Ollama does", () => {
    assert.equal(corpus.length, 327);
    for (const o of corpus) {
      const bare = parseNameBare(o.s);
      assert.deepEqual([bare.host ?? "", bare.namespace ?? "", bare.model, bare.tag ?? "", bare.scheme ?? ""], [o.host, o.namespace, o.model, o.tag, o.scheme], o.s);
      assert.equal(isFullyQualified(bare), o.bareValid, o.s);
      const full = tryParseModelName(o.s);
      assert.equal(full ? formatModelName(full) : "", o.full, o.s);
    }
  });
});

describe("model names, fuzzed", () => {
  const nameChars = fc.constantFrom(..."aZ09_-.:/@ ".split(""));
  const nameLike = fc.oneof(fc.string({ unit: nameChars, maxLength: 30 }), fc.string({ maxLength: 20 }));

  it("a valid bare name prints back to itself, and every part is a safe path segment", () => {
    fc.assert(
      fc.property(nameLike, (s) => {
        const bare = parseNameBare(s);
        if (!isFullyQualified(bare)) return;
        for (const part of [bare.host, bare.namespace, bare.model, bare.tag]) {
          assert.notEqual(part, "..");
          assert.notEqual(part, ".");
          assert.ok(!part.includes("/") && !part.includes("\\") && part.length <= 350);
          assert.equal(path.basename(part), part);
        }
        if (bare.scheme === undefined) assert.equal(formatModelName(bare), s);
      }),
      { numRuns: 3000, seed: 5101 },
    );
  });

  it("parse(format(parse(x))) == parse(x) for every name that parses", () => {
    fc.assert(
      fc.property(nameLike, (s) => {
        const n = tryParseModelName(s);
        if (n) assert.deepEqual(parseModelName(formatModelName(n)), n);
      }),
      { numRuns: 3000, seed: 5102 },
    );
  });

  it("every name built from the grammar parses to its parts", () => {
    const alnum = "abcxyzABCXYZ0189_".split("");
    const part = (extra: string, max: number) => fc.tuple(fc.constantFrom(...alnum), fc.string({ unit: fc.constantFrom(...alnum, ...extra.split("")), maxLength: max - 1 })).map(([a, b]) => a + b);
    const name = fc.record({ host: part("-.:", 40), namespace: part("-", 20), model: part("-.", 20), tag: part("-.", 20) }).map((r) => ({ ...r }));
    fc.assert(
      fc.property(name, (n) => {
        assert.deepEqual(parseModelName(formatModelName(n)), n);
        assert.deepEqual(nameFromPathParts([n.host, n.namespace, n.model, n.tag]), n);
      }),
      { numRuns: 2000, seed: 5103 },
    );
  });
});
