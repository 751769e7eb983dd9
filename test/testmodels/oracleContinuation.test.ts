import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../../src/diagnostics/index.js";
import { ORACLE_DEFAULT_TEXT, oracleContinuation, oracleVocab, spmDetokenize, spmTokenize } from "../../src/testmodels/index.js";

test("the default chain is the ten words of the sentence, each one token", () => {
  const ov = oracleVocab(ORACLE_DEFAULT_TEXT, false);
  assert.deepEqual(ov.words, ["▁The", "▁quick", "▁brown", "▁fox", "▁jumps", "▁over", "▁the", "▁lazy", "▁dog", "."]);
  assert.equal(ov.vocab.tokens.length, 376);
  const ids = spmTokenize(ov.index, "The quick brown fox jumps over the lazy dog. The quick");
  assert.deepEqual(ids.map((id) => ov.vocab.tokens[id]!.piece), ["<s>", ...ov.words, "▁The", "▁quick"]);
});

test("predicted continuations of the oracle without EOS: the chain cycles", () => {
  const cases: [string, number, string][] = [
    ["The quick brown", 10, "fox jumps over the lazy dog. The quick brown"],
    ["over the", 3, "lazy dog."],
    ["dog.", 2, "The quick"],
    ["The qu", 3, "ick brown fox"],
    ["", 4, "The quick brown fox"],
    ["ZZZ", 2, "The quick"],
    ["zzz", 2, "y dog"],
  ];
  for (const [prompt, n, text] of cases) {
    const c = oracleContinuation({ endWithEos: false }, prompt, n);
    assert.equal(c.text, text, prompt);
    assert.equal(c.tokens.length, n);
    assert.equal(c.stopped, false);
  }
  assert.equal(oracleContinuation({ endWithEos: false }, "over the", 3).rawText, " lazy dog.");
});

test("by default the chain stops after its last word: the oracle ends with EOS", () => {
  const c = oracleContinuation({}, "The quick brown", 100);
  assert.deepEqual([c.text, c.stopped, c.tokens.length], ["fox jumps over the lazy dog.", true, 7]);
  assert.deepEqual(oracleContinuation({}, "dog.", 5), oracleContinuation({ endWithEos: true }, "dog.", 5));
  assert.deepEqual([oracleContinuation({}, "dog.", 5).tokens, oracleContinuation({}, "dog.", 5).stopped], [[], true]);
});

test("with endWithEos the chain stops after its last word", () => {
  const c = oracleContinuation({ endWithEos: true }, "jumps over", 20);
  assert.deepEqual([c.text, c.stopped, c.tokens.length], ["the lazy dog.", true, 4]);
  assert.deepEqual(oracleContinuation({ endWithEos: true, text: "hello big world" }, "hello", 5).text, "big world");
});

test("the tokenizer falls back to bytes for characters outside the vocabulary", () => {
  const ov = oracleVocab(ORACLE_DEFAULT_TEXT, false);
  const ids = spmTokenize(ov.index, "fox\né");
  assert.deepEqual(ids.map((id) => ov.vocab.tokens[id]!.piece), ["<s>", "▁fox", "<0x0A>", "<0xC3>", "<0xA9>"]);
  assert.equal(spmDetokenize(ov.vocab, ids), " fox\né");
});

test("a chain with a repeated word is refused", () => {
  assert.throws(() => oracleVocab("the cat saw the dog", false), (err: unknown) => {
    assert.ok(err instanceof InputError);
    assert.equal(err.diagnostics[0]!.code, "MS3013");
    assert.match(err.diagnostics[0]!.message, /every word must be distinct/);
    return true;
  });
  assert.throws(() => oracleVocab("two  spaces", false), InputError);
});
