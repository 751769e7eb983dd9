import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluateAssertion, type Output } from "../../src/eval/index.js";
import { assertionOf } from "./helpers.js";

const out = (text: string, more: Partial<Output> = {}): Output => ({ text, finishReason: "stop", latencyMs: 120, prompt: "p", vars: { who: "fox" }, ...more });

/** [assertion, output, pass, score, expected, detail] */
type Row = [string, Output, boolean, number, string, string?];

const ROWS: Row[] = [
  ["{type: equals, value: fox}", out("fox"), true, 1, 'equal "fox"'],
  ["{type: equals, value: fox}", out("fox\n"), false, 0, 'equal "fox"'],
  ["{type: equals, value: 42}", out("42"), true, 1, 'equal "42"'],
  ["{type: equals, value: {a: 1, b: [true]}}", out(' {"b": [true], "a": 1}\n'), true, 1, 'equal the JSON {"a":1,"b":[true]}'],
  ["{type: equals, value: {a: 1}}", out("a: 1"), false, 0, 'equal the JSON {"a":1}', "the output is not JSON"],
  ["{type: not-equals, value: fox}", out("dog"), true, 1, 'not equal "fox"'],
  ["{type: contains, value: Fox}", out("the fox"), false, 0, 'contain "Fox"'],
  ["{type: icontains, value: Fox}", out("the FOX"), true, 1, 'contain (any case) "Fox"'],
  ["{type: not-icontains, value: cat}", out("the CAT"), false, 0, 'not contain (any case) "cat"'],
  ["{type: contains-any, value: [cat, dog]}", out("a dog"), true, 1, 'contain any of "cat", "dog"', 'found "dog"'],
  ["{type: contains-any, value: [cat, dog]}", out("a fox"), false, 0, 'contain any of "cat", "dog"', "none present"],
  ["{type: icontains-any, value: [CAT]}", out("a cat"), true, 1, 'contain any of "CAT" (any case)', 'found "CAT"'],
  ["{type: contains-all, value: [quick, lazy, dog]}", out("quick dog"), false, 0, 'contain all of "quick", "lazy", "dog"', 'missing "lazy"'],
  ["{type: icontains-all, value: [Quick, DOG]}", out("quick dog"), true, 1, 'contain all of "Quick", "DOG" (any case)', "all present"],
  ["{type: not-contains-all, value: [a, b]}", out("a"), true, 1, 'not contain all of "a", "b"', 'missing "b"'],
  ["{type: starts-with, value: ' the'}", out(" the lazy"), true, 1, 'start with " the"'],
  ["{type: not-starts-with, value: The}", out("The end"), false, 0, 'not start with "The"'],
  ["{type: regex, value: '^\\d{3}-\\d{4}$'}", out("555-1234"), true, 1, "match /^\\d{3}-\\d{4}$/"],
  ["{type: regex, value: '^fox', flags: i}", out("FOX!"), true, 1, "match /^fox/i"],
  ["{type: not-regex, value: '\\berror\\b'}", out("no error here"), false, 0, "not match /\\berror\\b/"],
  ["{type: is-json}", out(' {"a": 1} '), true, 1, "be JSON"],
  ["{type: is-json}", out("{a: 1}"), false, 0, "be JSON", "the output is not JSON"],
  ["{type: is-json, value: {type: object, required: [name]}}", out('{"age": 3}'), false, 0, "be JSON that matches the schema", "schema: (root) must have required property 'name'"],
  ["{type: is-json, value: {type: object, properties: {age: {type: integer}}}}", out('{"age": 3.5}'), false, 0, "be JSON that matches the schema", "schema: /age must be integer"],
  ["{type: is-json, value: {type: array}}", out("[1]"), true, 1, "be JSON that matches the schema"],
  ["{type: not-is-json}", out("plain"), true, 1, "not be JSON", "the output is not JSON"],
  ["{type: word-count, value: 3}", out(" one  two\nthree "), true, 1, "have 3 words", "3 words"],
  ["{type: word-count, value: {min: 2}}", out("one"), false, 0, "have at least 2 words", "1 word"],
  ["{type: word-count, value: {max: 2}}", out(""), true, 1, "have at most 2 words", "0 words"],
  ["{type: word-count, value: {min: 1, max: 2}}", out("a b c"), false, 0, "have 1 to 2 words", "3 words"],
  ["{type: finish-reason, value: length}", out("x", { finishReason: "length" }), true, 1, 'finish with "length"', 'finished with "length"'],
  ["{type: not-finish-reason, value: length}", out("x", { finishReason: "length" }), false, 0, 'not finish with "length"', 'finished with "length"'],
  ["{type: latency, threshold: 100}", out("x", { latencyMs: 100 }), true, 1, "take at most 100 ms", "took 100 ms"],
  ["{type: latency, threshold: 100}", out("x", { latencyMs: 100.6 }), false, 0, "take at most 100 ms", "took 101 ms"],
  ["{type: javascript, value: 'output.length < 5'}", out("fox"), true, 1, "satisfy output.length < 5"],
  ["{type: javascript, value: 'output.includes(context.vars.who)'}", out("a fox"), true, 1, "satisfy output.includes(context.vars.who)"],
  ["{type: javascript, value: 'output.split(\" \").length / 4'}", out("a b"), true, 0.5, 'satisfy output.split(" ").length / 4', "score 0.5"],
  ["{type: javascript, value: 'output.split(\" \").length / 4', threshold: 0.75}", out("a b"), false, 0.5, 'satisfy output.split(" ").length / 4 with a score >= 0.75', "score 0.5"],
  ["{type: javascript, value: '0'}", out("a"), false, 0, "satisfy 0", "score 0"],
  ["{type: javascript, value: '({pass: true, score: 0.25, reason: \"meh\"})'}", out("a"), true, 0.25, 'satisfy ({pass: true, score: 0.25, reason: "meh"})', "meh"],
  ["{type: javascript, value: 'const n = output.length; n === 3'}", out("fox"), true, 1, "satisfy const n = output.length; n === 3"],
  ["{type: javascript, value: 'output.nope.x'}", out("fox"), false, 0, "satisfy output.nope.x", "javascript threw Cannot read properties of undefined (reading 'x')"],
  ["{type: not-javascript, value: 'output.nope.x'}", out("fox"), false, 0, "not satisfy output.nope.x", "javascript threw Cannot read properties of undefined (reading 'x')"],
  ["{type: javascript, value: '\"yes\"'}", out("fox"), false, 0, 'satisfy "yes"', "javascript returned string: it must return a boolean, a finite number, or {pass, score, reason}"],
  ["{type: not-javascript, value: 'output.length / 4'}", out("a"), false, 0.25, "not satisfy output.length / 4", "score 0.25"],
];

describe("evaluateAssertion", () => {
  for (const [flow, output, pass, score, expected, detail] of ROWS) {
    it(`${flow} on ${JSON.stringify(output.text)}`, () => {
      const a = assertionOf(flow);
      const r = evaluateAssertion(a, output);
      assert.deepEqual(r, { name: a.name, pass, score, weight: 1, expected, ...(detail !== undefined ? { detail } : {}) });
    });
  }

  it("keeps the weight it was given", () => {
    assert.equal(evaluateAssertion(assertionOf("{type: contains, value: x, weight: 2.5}"), out("x")).weight, 2.5);
    assert.equal(evaluateAssertion(assertionOf("{type: contains, value: x, weight: 0}"), out("x")).weight, 0);
  });

  it("stops a javascript assertion that runs too long", () => {
    const t0 = Date.now();
    const r = evaluateAssertion(assertionOf('{type: javascript, value: "while (true) {}\\nreturn true"}'), out("x"));
    assert.deepEqual([r.pass, r.detail], [false, "javascript timed out after 1000 ms"]);
    assert.ok(Date.now() - t0 < 5000);
  });

  it("runs javascript without access to the process", () => {
    const r = evaluateAssertion(assertionOf("{type: javascript, value: 'typeof process === \"undefined\" && typeof require === \"undefined\"'}"), out("x"));
    assert.equal(r.pass, true);
  });
});
