import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluateAssertion, gradeRun, validateTestFile, type AssertionResult, type Output } from "../../src/eval/index.js";
import { assertionFromString, parseCsvCases } from "../../src/eval/csv-cases.js";
import { varCombinations } from "../../src/eval/templating.js";
import { ASSERTION_TYPES, TYPE_ALIASES, type AssertionType } from "../../src/eval/assertion-types.js";
import { NOT_IGNORED_TYPES, PROMPTFOO_ONLY_TYPES } from "../../src/eval/promptfoo-types.js";

/**
 * The differential table: for each assertion type and value form, the result
 * promptfoo's rule gives (written down from its source, linked per group) on a
 * fixed output, against ours. "refused" is where promptfoo's handler throws an
 * invariant (every output fails with an error): we refuse the file instead, at
 * the value. No model: the outputs are given.
 */

const PF = "https://github.com/promptfoo/promptfoo/blob";
const out = (text: string, more: Partial<Output> = {}): Output => ({ text, finishReason: "stop", latencyMs: 10, prompt: "p", vars: {}, ...more });

/** [assertion as a YAML flow map, vars as a YAML flow map, output, promptfoo's pass and score, "refused", or "throws" (promptfoo's handler throws: the case errors)] */
type Row = [string, string, Output, { pass: boolean; score: number } | "refused" | "throws"];
/** promptfoo's calculateBleuScore with no n-gram in common, 2 words against 6: bp e^(1 - 2/6) times e^(sum of 0.25 * ln 1e-7). */
const NO_MATCH_BLEU = Math.exp(1 - 2 / 6) * Math.exp([0.25, 0.25, 0.25, 0.25].reduce((acc, w) => acc + w * Math.log(1e-7), 0));
const P = (score = 1) => ({ pass: true, score });
const F = (score = 0) => ({ pass: false, score });

const GROUPS: { source: string; rows: Row[] }[] = [
  {
    // isContainsValue: a non-empty string or a number; contains-any/all: a list, or a string through parseCommaSeparatedValues.
    source: `${PF}/01ae5a73aeacf402c1b786e709a25cbb07f0f2a1/src/assertions/contains.ts#L6-L11 and #L55-L75`,
    rows: [
      ["{type: contains, value: 42}", "{}", out("answer 42"), P()],
      ["{type: contains, value: ''}", "{}", out("x"), "refused"],
      ["{type: icontains, value: ''}", "{}", out("x"), "refused"],
      ["{type: icontains, value: FOX}", "{}", out("a fox"), P()],
      ["{type: not-contains, value: fox}", "{}", out("a fox"), F()],
      ["{type: contains-any, value: 'cat, dog'}", "{}", out("a dog"), P()],
      ["{type: contains-any, value: 'cat, dog'}", "{}", out("a fox"), F()],
      ["{type: contains-all, value: 'quick, lazy'}", "{}", out("quick and lazy"), P()],
      ["{type: contains-all, value: 'quick, lazy'}", "{}", out("quick"), F()],
      ["{type: icontains-all, value: 'QUICK,,LAZY'}", "{}", out("quick lazy"), P()],
      ["{type: contains-all, value: []}", "{}", out("x"), P()],
      ["{type: contains-any, value: []}", "{}", out("x"), F()],
      ["{type: contains-any, value: ''}", "{}", out("x"), "refused"],
    ],
  },
  {
    // parseCommaSeparatedValues: quoted items keep commas; "" and \" are quotes; an unterminated quote throws.
    source: `${PF}/b1ec335c13fbeef587f71550c68115b86796655c/src/util/parseCommaSeparatedValues.ts#L38-L63`,
    rows: [
      [`{type: contains-any, value: '"a,b", c'}`, "{}", out("x a,b"), P()],
      [`{type: contains-any, value: '"a,b", c'}`, "{}", out("a b"), F()],
      [`{type: contains-all, value: '"say ""hi""", x'}`, "{}", out('say "hi" x'), P()],
      [`{type: contains-any, value: '"unterminated'}`, "{}", out("x"), "refused"],
      [`{type: contains-any, value: '"a" b'}`, "{}", out("a"), "refused"],
    ],
  },
  {
    // Value forms the handlers' invariants refuse: contains/icontains take isContainsValue (a non-empty string or a number, not a
    // list or a boolean); contains-any/all a list or a string (a number fails invariant(Array.isArray)); list items are String()ed.
    source: `${PF}/01ae5a73aeacf402c1b786e709a25cbb07f0f2a1/src/assertions/contains.ts (isContainsValue, handleContainsAny, handleContainsAll)`,
    rows: [
      ["{type: contains, value: [a]}", "{}", out("a"), "refused"],
      ["{type: icontains, value: true}", "{}", out("true"), "refused"],
      ["{type: contains-any, value: 42}", "{}", out("42"), "refused"],
      ["{type: contains-all, value: [1, 2]}", "{}", out("1 2"), P()],
      ["{type: starts-with, value: [a]}", "{}", out("a"), "refused"],
    ],
  },
  {
    // handleStartsWith: invariant(renderedValue) and typeof string.
    source: `${PF}/48851c4654d433e9787d3890da1e0bb3fc902046/src/assertions/startsWith.ts#L11-L15`,
    rows: [
      ["{type: starts-with, value: 42}", "{}", out("42 is it"), "refused"],
      ["{type: starts-with, value: '42'}", "{}", out("42 is it"), P()],
      ["{type: starts-with, value: ''}", "{}", out("x"), "refused"],
      ["{type: not-starts-with, value: The}", "{}", out("The end"), F()],
    ],
  },
  {
    // handleIsJson: "" / null is no schema; a string not file:// is loaded as YAML and compiled; booleans are schemas.
    source: `${PF}/01f79c788baa78059feba05fb2db22ff3e89cee1/src/assertions/json.ts#L9-L40`,
    rows: [
      ['{type: is-json, value: "type: object\\nrequired: [name]"}', "{}", out('{"name": "x"}'), P()],
      ['{type: is-json, value: "type: object\\nrequired: [name]"}', "{}", out('{"age": 1}'), F()],
      ["{type: is-json, value: '{type: array}'}", "{}", out("[1]"), P()],
      ["{type: is-json, value: ''}", "{}", out("{}"), P()],
      ["{type: is-json, value: true}", "{}", out("3"), P()],
      ["{type: is-json, value: false}", "{}", out("3"), F()],
      ["{type: is-json}", "{}", out("not json"), F()],
    ],
  },
  {
    // handleWordCount: a number, or a string Number() reads, is the exact count; words split on whitespace.
    source: `${PF}/1c0c8c56c90d6759afce8c0c3a70b3c55ea5a84f/src/assertions/wordCount.ts#L80-L90`,
    rows: [
      ["{type: word-count, value: '3'}", "{}", out("a b c"), P()],
      ["{type: word-count, value: '3'}", "{}", out("a b"), F()],
      ["{type: word-count, value: 2}", "{}", out("  a \n b  "), P()],
      ["{type: word-count, value: '{{n}}'}", "{n: 2}", out("a b"), P()],
      ["{type: word-count, value: {min: 2}}", "{}", out("a"), F()],
    ],
  },
  {
    // handleFinishReason: compared in lower case.
    source: `${PF}/0be12fd9d4f97b90bd76360d12567b7c18429269/src/assertions/finishReason.ts#L22-L25`,
    rows: [
      ["{type: finish-reason, value: STOP}", "{}", out("x"), P()],
      ["{type: finish-reason, value: Length}", "{}", out("x", { finishReason: "length" }), P()],
      ["{type: finish-reason, value: stop}", "{}", out("x", { finishReason: "length" }), F()],
    ],
  },
  {
    // handleJavascript + buildFunctionBody (one line: `return line`; several: the body as written; const/let/var: return after the last `;`),
    // validateResult (boolean, finite number, or isGradingResult: pass, score AND reason), errors: pass false, score 0.
    source: `${PF}/101e10e995e4730d53a0f3f2cc913259f4bce785/src/assertions/javascript.ts#L130-L160 and #L169-L181`,
    rows: [
      ["{type: javascript, value: 'output.length'}", "{}", out("abc"), P(3)],
      ["{type: javascript, value: 'output.length'}", "{}", out(""), F(0)],
      ["{type: javascript, value: 'output.length / 10', threshold: 0.5}", "{}", out("abc"), F(0.3)],
      ["{type: javascript, value: '-2'}", "{}", out("abc"), F(-2)],
      ["{type: javascript, value: '({pass: true, score: 0.5})'}", "{}", out("x"), F(0)],
      ["{type: javascript, value: '({pass: false, score: 0.2, reason: \"r\"})'}", "{}", out("x"), F(0.2)],
      ["{type: javascript, value: 'const n = output.length; n > 2'}", "{}", out("abc"), P()],
      ['{type: javascript, value: "const n = output.length\\nreturn n > 2"}', "{}", out("abc"), P()],
      ['{type: javascript, value: "const n = output.length\\nn > 2"}', "{}", out("abc"), F(0)],
      ['{type: javascript, value: "output === \'abc\'\\n"}', "{}", out("abc"), P()],
      ["{type: javascript, value: 'output.includes(context.vars.who)'}", "{who: fox}", out("a fox"), P()],
    ],
  },
  {
    // normalizeScriptAssertionResult: a number keeps its score under not- (only pass flips); a grading object likewise.
    source: `${PF}/0ed6f63dc9ac48607c1ce787eacf1c2e68df2758/src/assertions/scriptResultNormalization.ts#L45-L66`,
    rows: [
      ["{type: not-javascript, value: 'output.length / 4'}", "{}", out("a"), F(0.25)],
      ["{type: not-javascript, value: '0'}", "{}", out("a"), P(0)],
      ["{type: not-javascript, value: '({pass: false, score: 0.2, reason: \"r\"})'}", "{}", out("x"), P(0.2)],
      ["{type: not-javascript, value: 'output.nope.x'}", "{}", out("x"), F(0)],
    ],
  },
  {
    // runAssertion renders a string value, and each string of a list, with nunjucks over the test's vars; weight 0 forces pass.
    source: `${PF}/600e37a1def0923fb71fe5a7cb4ecaed031c2c1d/src/assertions/index.ts (runAssertion: renderedValue, "If weight is 0")`,
    rows: [
      ["{type: equals, value: '{{num}}'}", "{num: 42}", out("42"), P()],
      ["{type: contains, value: '{{ noun | upper }}'}", "{noun: fox}", out("a FOX"), P()],
      ["{type: icontains-any, value: ['{{a}}', b]}", "{a: zed}", out("ZED"), P()],
      ["{type: contains-any, value: '{{a}}, {{b}}'}", "{a: cat, b: dog}", out("dog"), P()],
      ["{type: regex, value: '^{{ w }}$'}", "{w: fox}", out("fox"), P()],
      ["{type: contains, value: cat, weight: 0}", "{}", out("dog"), { pass: true, score: 0 }],
    ],
  },
  {
    // handlePerplexity / handlePerplexityScore on main: perplexity = exp(-mean logProb); `threshold === undefined` passes (0 is a
    // threshold); with one, `(test) !== inverse`; perplexity scores pass ? 1 : 0, perplexity-score 1 / (1 + perplexity), `not-` 1 - that;
    // no logProbs throws. (e5c8e0173bbabc7387304784fefaa1ba9ccea088 and before: `threshold ?`, and `inverse` never read.)
    source: `${PF}/main/src/assertions/perplexity.ts#L3-L50`,
    rows: [
      // mean -1: perplexity e = 2.718..., score 1 / (1 + e) = 0.2689...
      ["{type: perplexity, threshold: 3}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), P()],
      ["{type: perplexity, threshold: 2.5}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), F()],
      ["{type: perplexity}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), P()],
      ["{type: perplexity, threshold: 0}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), F()],
      ["{type: not-perplexity, threshold: 2.5}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), P()],
      ["{type: not-perplexity, threshold: 3}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), F()],
      ["{type: not-perplexity}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), P()],
      ["{type: perplexity, threshold: 1}", "{}", out("x y", { logprobs: [0, 0] }), P()],
      ["{type: perplexity-score, threshold: 0.25}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), P(1 / (1 + Math.E))],
      ["{type: perplexity-score, threshold: 0.3}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), F(1 / (1 + Math.E))],
      ["{type: perplexity-score}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), P(1 / (1 + Math.E))],
      ["{type: not-perplexity-score, threshold: 0.3}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), P(1 - 1 / (1 + Math.E))],
      ["{type: not-perplexity-score, threshold: 0.25}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), F(1 - 1 / (1 + Math.E))],
      ["{type: not-perplexity-score}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), P(1 - 1 / (1 + Math.E))],
      ["{type: perplexity-score, threshold: 0.5}", "{}", out("x y", { logprobs: [0, 0] }), P(0.5)],
      ["{type: perplexity, threshold: 2}", "{}", out("", { logprobs: [] }), "throws"],
      ["{type: perplexity-score}", "{}", out("x y"), "throws"],
    ],
  },
  {
    // normalizeScriptAssertionResult with `threshold`: a boolean ignores it; a number passes at >= threshold (0 included);
    // a grading object is taken as it is (only Python/Ruby objects are held to the threshold).
    source: `${PF}/87d19eb4689bd39b931f8850289a4e7e7d9aa4f1/src/assertions/scriptResultNormalization.ts#L34-L68`,
    rows: [
      ["{type: javascript, value: 'true', threshold: 0.5}", "{}", out("x"), P()],
      ["{type: javascript, value: 'false', threshold: 0.5}", "{}", out("x"), F()],
      ["{type: javascript, value: '0.5', threshold: 0.5}", "{}", out("x"), P(0.5)],
      ["{type: javascript, value: '0', threshold: 0}", "{}", out("x"), P(0)],
      ["{type: javascript, value: '({pass: true, score: 0.2, reason: \"r\"})', threshold: 0.5}", "{}", out("x"), P(0.2)],
      ["{type: not-javascript, value: 'true'}", "{}", out("x"), F()],
      ["{type: not-javascript, value: '0.5', threshold: 0.6}", "{}", out("x"), P(0.5)],
      // validateResult: a string or null is neither boolean, number nor grading object: the assertion errors (pass false, score 0).
      ["{type: javascript, value: '\"yes\"'}", "{}", out("x"), F()],
      ["{type: not-javascript, value: 'null'}", "{}", out("x"), F()],
    ],
  },
  {
    // handleEquals: an object (or list) value is util.isDeepStrictEqual against JSON.parse(output), a parse error is "not equal";
    // anything else is String(value) === output.
    source: `${PF}/08dbe153151ec9d8d2c75a99c335aa98bc0df053/src/assertions/equals.ts#L17-L37`,
    rows: [
      ["{type: equals, value: {a: 1, b: [2]}}", "{}", out('{"b": [2], "a": 1}'), P()],
      ["{type: equals, value: {a: 1}}", "{}", out('{"a": "1"}'), F()],
      ["{type: equals, value: {a: 1}}", "{}", out("not json"), F()],
      ["{type: not-equals, value: {a: 1}}", "{}", out("not json"), P()],
      ["{type: equals, value: [1, 2]}", "{}", out("[1,2]"), P()],
      ["{type: equals, value: [1, 2]}", "{}", out("[2,1]"), F()],
      ["{type: equals, value: 42}", "{}", out("42"), P()],
      ["{type: equals, value: true}", "{}", out("true"), P()],
      ["{type: equals, value: fox}", "{}", out("fox "), F()],
      ["{type: not-equals, value: fox}", "{}", out("fox"), F()],
    ],
  },
  {
    // handleRegex: invariant(renderedValue) (an empty pattern throws), new RegExp(renderedValue), test; not- flips.
    source: `${PF}/074259d3c00333a2c06d4d0c8c2e1b8306198290/src/assertions/regex.ts#L11-L24`,
    rows: [
      ["{type: regex, value: '\\d+'}", "{}", out("abc 12"), P()],
      ["{type: regex, value: '^\\d+$'}", "{}", out("abc 12"), F()],
      ["{type: not-regex, value: '^a'}", "{}", out("abc"), F()],
      ["{type: not-regex, value: '^z'}", "{}", out("abc"), P()],
      ["{type: regex, value: ''}", "{}", out("abc"), "refused"],
      // promptfoo fails every output with "Invalid regex pattern"; modelsmith refuses the file (docs/testing.md).
      ["{type: regex, value: '('}", "{}", out("abc"), "refused"],
      // `flags` is modelsmith's (promptfoo compiles without flags: write (?i) there... which JavaScript lacks); without it, as promptfoo.
      ["{type: regex, value: ABC}", "{}", out("abc"), F()],
      ["{type: regex, value: ABC, flags: i}", "{}", out("abc"), P()],
    ],
  },
  {
    // handleContains/IContainsAny/IContainsAll: both sides in lower case; a list, or a string through parseCommaSeparatedValues.
    source: `${PF}/01ae5a73aeacf402c1b786e709a25cbb07f0f2a1/src/assertions/contains.ts (handleIContains, handleIContainsAny, handleIContainsAll, handleContainsAll)`,
    rows: [
      ["{type: icontains-any, value: [FOO, bar]}", "{}", out("a Bar"), P()],
      ["{type: icontains-any, value: 'FOO, BAR'}", "{}", out("a bar"), P()],
      ["{type: icontains-any, value: [FOO, bar]}", "{}", out("a baz"), F()],
      ["{type: not-icontains-any, value: [FOO, bar]}", "{}", out("a Bar"), F()],
      ["{type: icontains-all, value: [FOO, bar]}", "{}", out("foo BAR"), P()],
      ["{type: icontains-all, value: [FOO, bar]}", "{}", out("foo"), F()],
      ["{type: not-icontains-all, value: [FOO, bar]}", "{}", out("foo"), P()],
      ["{type: not-contains-all, value: [a, b]}", "{}", out("a"), P()],
      ["{type: not-contains-any, value: [a, b]}", "{}", out("c"), P()],
      ["{type: contains-any, value: [A, b]}", "{}", out("a"), F()],
      ["{type: icontains, value: 42}", "{}", out("x 42"), P()],
      ["{type: not-icontains, value: FOX}", "{}", out("a fox"), F()],
    ],
  },
  {
    // Templated values (runAssertion renders strings with nunjucks over the vars) in starts-with, contains-all lists, levenshtein.
    source: `${PF}/600e37a1def0923fb71fe5a7cb4ecaed031c2c1d/src/assertions/index.ts (runAssertion: renderedValue)`,
    rows: [
      ["{type: starts-with, value: '{{w}} '}", "{w: The}", out("The end"), P()],
      ["{type: starts-with, value: '{{w}}'}", "{w: The}", out("the end"), F()],
      ["{type: contains-all, value: ['{{a}}', '{{b}}']}", "{a: x, b: y}", out("x and y"), P()],
      ["{type: levenshtein, value: '{{w}}'}", "{w: kitten}", out("kitten"), P()],
      ["{type: equals, value: '{{a}} {{b}}'}", "{a: 1, b: 2}", out("1 2"), P()],
    ],
  },
  {
    // handleWordCount: {min, max}, {min}, {max}; min > max and {} are invariants (throw).
    source: `${PF}/1c0c8c56c90d6759afce8c0c3a70b3c55ea5a84f/src/assertions/wordCount.ts#L31-L86`,
    rows: [
      ["{type: word-count, value: {min: 2, max: 3}}", "{}", out("a b c"), P()],
      ["{type: word-count, value: {min: 2, max: 3}}", "{}", out("a b c d"), F()],
      ["{type: word-count, value: {max: 2}}", "{}", out("a b c"), F()],
      ["{type: word-count, value: {max: 3}}", "{}", out("a b c"), P()],
      ["{type: not-word-count, value: {min: 2, max: 3}}", "{}", out("a b c d"), P()],
      ["{type: not-word-count, value: 2}", "{}", out("a b"), F()],
      ["{type: word-count, value: 0}", "{}", out("  "), P()],
      ["{type: word-count, value: {min: 3, max: 2}}", "{}", out("a b c"), "refused"],
      ["{type: word-count, value: {}}", "{}", out("a b c"), "refused"],
    ],
  },
  {
    // handleLatency: latencyMs <= threshold (not-: >); no threshold: needs `metric` (then passes, scoring the milliseconds); not- needs one.
    source: `${PF}/059b4b334707b39da0ed221264edb5b0d8fff685/src/assertions/latency.ts#L14-L31`,
    rows: [
      ["{type: latency, threshold: 10}", "{}", out("x"), P()],
      ["{type: latency, threshold: 9}", "{}", out("x"), F()],
      ["{type: not-latency, threshold: 10}", "{}", out("x"), F()],
      ["{type: not-latency, threshold: 9}", "{}", out("x"), P()],
      ["{type: latency, metric: ms}", "{}", out("x", { latencyMs: 1234 }), P(1234)],
      ["{type: latency}", "{}", out("x"), "refused"],
      ["{type: not-latency, metric: ms}", "{}", out("x"), "refused"],
    ],
  },
  {
    // handleIsJson / handleContainsJson: schema as a map, YAML text; contains-json passes if any extracted object validates.
    source: `${PF}/01f79c788baa78059feba05fb2db22ff3e89cee1/src/assertions/json.ts (handleIsJson, handleContainsJson)`,
    rows: [
      ["{type: is-json, value: {type: object, required: [a]}}", "{}", out('{"a": 1}'), P()],
      ["{type: is-json, value: {type: object, required: [a]}}", "{}", out('{"b": 1}'), F()],
      ["{type: not-is-json}", "{}", out('{"a": 1}'), F()],
      ["{type: not-is-json}", "{}", out('{"a": 1'), P()],
      ["{type: contains-json}", "{}", out('here {"a": 1} there'), P()],
      ["{type: contains-json}", "{}", out("no json"), F()],
      ["{type: not-contains-json}", "{}", out("no json"), P()],
      ["{type: contains-json, value: {type: object, required: [b]}}", "{}", out('x {"a": 1} y'), F()],
      ["{type: contains-json, value: {type: object, required: [b]}}", "{}", out('x {"a": 1} {"b": 2}'), P()],
      ['{type: contains-json, value: "type: object\\nrequired: [a]"}', "{}", out('x {"a": 1}'), P()],
      ["{type: contains-json, value: {type: strng}}", "{}", out("{}"), "refused"],
    ],
  },
  {
    // handleLevenshtein on main: `threshold ?? 5` (older: `threshold || 5`, 454f14a1a3ed2ace145e90ea879b844664da35bd); it never reads `inverse`.
    source: `${PF}/main/src/assertions/levenshtein.ts`,
    rows: [
      ["{type: levenshtein, value: kitten}", "{}", out("sitting"), P()],
      ["{type: levenshtein, value: kitten, threshold: 2}", "{}", out("sitting"), F()],
      ["{type: levenshtein, value: kitten, threshold: 3}", "{}", out("sitting"), P()],
      ["{type: levenshtein, value: kitten, threshold: 0}", "{}", out("kitten"), P()],
      ["{type: levenshtein, value: kitten, threshold: 0}", "{}", out("kittens"), F()],
      ["{type: not-levenshtein, value: kitten, threshold: 2}", "{}", out("sitting"), F()],
      ["{type: not-levenshtein, value: kitten}", "{}", out("sitting"), P()],
      ["{type: levenshtein}", "{}", out("x"), "refused"],
    ],
  },
  {
    // handleRougeScore: js-rouge n(output, value) >= (threshold ?? 0.75) != inverse; score: inverse ? 1 - score : score.
    source: `${PF}/027013c39130cb79ea3e45865f8d0897d5655d92/src/assertions/rouge.ts#L12-L20`,
    rows: [
      ["{type: rouge-n, value: the cat sat}", "{}", out("the cat sat"), P(1)],
      ["{type: rouge-n, value: the cat sat on the mat}", "{}", out("the cat"), F(0.5)],
      ["{type: rouge-n, value: the cat sat on the mat, threshold: 0.5}", "{}", out("the cat"), P(0.5)],
      ["{type: not-rouge-n, value: the cat sat}", "{}", out("the cat sat"), F(0)],
      ["{type: not-rouge-n, value: the cat sat on the mat}", "{}", out("the cat"), P(0.5)],
    ],
  },
  {
    // handleBleuScore: BLEU-4 with 1e-7 smoothing, brevity penalty e^(1 - c/r) (not clamped), (score >= (threshold ?? 0.5)) !== inverse;
    // score: inverse ? 1 - score : score; a list is several references.
    source: `${PF}/066412b4df3922a52ea42ef946218fd2b51d5bb8/src/assertions/bleu.ts (calculateBleuScore, handleBleuScore)`,
    rows: [
      ["{type: bleu, value: the cat sat on the mat}", "{}", out("the cat sat on the mat"), P(1)],
      ["{type: bleu, value: [a dog ran, the cat sat on the mat]}", "{}", out("the cat sat on the mat"), P(1)],
      // precisions 0 smoothed to 1e-7; c = 2, r = 6: bp = e^(1 - 1/3).
      ["{type: bleu, value: the cat sat on the mat}", "{}", out("a dog"), F(NO_MATCH_BLEU)],
      ["{type: not-bleu, value: the cat sat on the mat}", "{}", out("a dog"), P(1 - NO_MATCH_BLEU)],
      ["{type: bleu, value: the cat sat on the mat, threshold: 1.1}", "{}", out("the cat sat on the mat"), F(1)],
    ],
  },
];

/** Validates a one-case file with `vars` and the assertion; its only assertion, or the codes of the diagnostics. */
function ours(flow: string, vars: string): { assertion?: ReturnType<typeof first>; codes: string[] } {
  const r = validateTestFile(`tests:\n  - prompt: p\n    vars: ${vars}\n    assert:\n      - ${flow}\n`, "t.yaml");
  return r.suite ? { assertion: first(r.suite), codes: [] } : { codes: r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code) };
}
const first = (s: NonNullable<ReturnType<typeof validateTestFile>["suite"]>) => ({ a: s.cases[0]!.assert[0]!, vars: s.cases[0]!.vars });

describe("promptfoo parity: assertion values and results (differential table)", () => {
  for (const group of GROUPS) {
    describe(group.source, () => {
      for (const [flow, vars, output, want] of group.rows) {
        it(`${flow} ${vars} on ${JSON.stringify(output.text)} (${output.finishReason}) → ${want === "refused" || want === "throws" ? want : `${want.pass ? "pass" : "fail"} ${want.score}`}`, () => {
          const r = ours(flow, vars);
          if (want === "refused") {
            assert.equal(r.assertion, undefined, "promptfoo refuses this value");
            assert.ok(r.codes.length > 0 && r.codes.every((c) => c === "MS6006" || c === "MS6007" || c === "MS6008"), r.codes.join());
            return;
          }
          assert.deepEqual(r.codes, []);
          if (want === "throws") {
            assert.throws(() => evaluateAssertion(r.assertion!.a, { ...output, vars: r.assertion!.vars }), /^Error: MS6300: /);
            return;
          }
          const got = evaluateAssertion(r.assertion!.a, { ...output, vars: r.assertion!.vars });
          assert.deepEqual({ pass: got.pass, score: got.score }, want);
        });
      }
    });
  }
});

const res = (pass: boolean, score: number, weight = 1, extra: Partial<AssertionResult> = {}): AssertionResult => ({ name: "x", pass, score, weight, expected: "x", ...extra });

// AssertionsResult.testResult: https://github.com/promptfoo/promptfoo/blob/0279b12d600a6dd9cce733ba1b0b06fb22e06d69/src/assertions/assertionsResult.ts#L170-L190
// runAssertions (assert-set results added to the main result with the set's weight and metric):
// https://github.com/promptfoo/promptfoo/blob/600e37a1def0923fb71fe5a7cb4ecaed031c2c1d/src/assertions/index.ts
describe("promptfoo parity: scoring a run", () => {
  const ROWS: [string, AssertionResult[], number | undefined, { pass: boolean; score: number }][] = [
    ["0.3 passing and 0.1 failing against 0.75: 0.7499999999999999 fails", [res(true, 1, 0.3), res(false, 0, 0.1)], 0.75, { pass: false, score: 0.3 / 0.4 }],
    ["total weight 0 scores 0", [res(true, 1, 0), res(true, 1, 0)], undefined, { pass: true, score: 0 }],
    ["an unclamped javascript score counts as it is", [res(true, 3), res(true, 1)], undefined, { pass: true, score: 2 }],
    ["threshold 0 passes whatever fails", [res(false, 0), res(false, 0)], 0, { pass: true, score: 0 }],
    ["a failing assertion fails the run without a threshold", [res(true, 1, 3), res(false, 0)], undefined, { pass: false, score: 0.75 }],
  ];
  for (const [name, results, threshold, want] of ROWS) {
    it(name, () => {
      const g = gradeRun(results, threshold);
      assert.deepEqual({ pass: g.pass, score: g.score }, want);
    });
  }

  it("an assert-set is scored over its own assertions with its threshold, then counts once with its weight and metric", () => {
    // Set 0 (threshold 0.5, weight 2, metric "facts"): scores 0.5 and passes although one of its assertions fails.
    const results = [res(true, 1), res(true, 1, 1, { set: 0, metric: "a" }), res(false, 0, 1, { set: 0 })];
    const g = gradeRun(results, undefined, [{ weight: 2, threshold: 0.5, metric: "facts" }]);
    assert.deepEqual([g.pass, g.score, g.namedScores], [true, (1 + 2 * 0.5) / 3, { facts: 0.5, a: 1 }]);
    assert.deepEqual(
      g.setResults.map((s) => [s.name, s.pass, s.score, s.weight]),
      [["assert-set", true, 0.5, 2]],
    );
    const strict = gradeRun(results, undefined, [{ weight: 1 }]);
    assert.equal(strict.pass, false, "without a threshold the set fails with its failing assertion");
  });

  it("metric names score: the weighted mean of the assertions that name it", () => {
    const g = gradeRun([res(true, 1, 2, { metric: "m" }), res(false, 0, 2, { metric: "m" }), res(true, 1, 1, { metric: "n" })]);
    assert.deepEqual(g.namedScores, { m: 0.5, n: 1 });
  });
});

// generateVarCombinations: https://github.com/promptfoo/promptfoo/blob/68f0cde13d48390d2075cd5fc5d8bc0fe3ae1e03/src/evaluator.ts
describe("promptfoo parity: list vars expand into the cartesian product", () => {
  it("a list of texts expands, the first var varying slowest; other lists stay one value", () => {
    assert.deepEqual(varCombinations({ a: ["1", "2"], b: ["x", "y"], n: [1, 2], s: "k" }), [
      { a: "1", b: "x", n: [1, 2], s: "k" },
      { a: "1", b: "y", n: [1, 2], s: "k" },
      { a: "2", b: "x", n: [1, 2], s: "k" },
      { a: "2", b: "y", n: [1, 2], s: "k" },
    ]);
  });
});

// assertionFromString and testCaseFromCsvRow: https://github.com/promptfoo/promptfoo/blob/01b206c37976be1c3859622d4c3f3459dcb0d078/src/csv.ts
describe("promptfoo parity: CSV shorthand (__expected cells)", () => {
  const ROWS: [string, Record<string, unknown>][] = [
    ["contains: foo", { type: "contains", value: " foo" }],
    ["not-icontains:Foo", { type: "not-icontains", value: "Foo" }],
    ["contains-any: a, b ,c", { type: "contains-any", value: ["a", "b", "c"] }],
    ["is-json", { type: "is-json" }],
    ["starts-with: x", { type: "starts-with", value: " x", threshold: 0.75 }],
    ["starts-with(0.9):x", { type: "starts-with", value: "x", threshold: 0.9 }],
    ["javascript: output.length > 3", { type: "javascript", value: "output.length > 3" }],
    ["fn: output === 'a'", { type: "javascript", value: "output === 'a'" }],
    ["file://check.js:grade", { type: "javascript", value: "file://check.js:grade" }],
    ["grade: is polite", { type: "llm-rubric", value: " is polite" }],
    ["just some text", { type: "equals", value: "just some text" }],
    ["contans: x", { type: "equals", value: "contans: x" }],
    // perplexity is one of csv.ts's threshold types: `threshold || 0.75` (a perplexity is at least 1, so a bare cell never passes).
    ["perplexity(1.5)", { type: "perplexity", threshold: 1.5 }],
    ["perplexity", { type: "perplexity", threshold: 0.75 }],
    ["not-perplexity-score(0.4):", { type: "not-perplexity-score", value: "", threshold: 0.4 }],
  ];
  for (const [cell, want] of ROWS) it(JSON.stringify(cell), () => assert.deepEqual(assertionFromString(cell), want));

  it("__threshold: parseFloat, dropped when 0 or not a number (`...(threshold ? { threshold } : {})`); quoted cells keep commas", () => {
    const rows = parseCsvCases('q,__expected,__threshold\na,contains: a,0\nb,contains: b,abc\nc,"equals: x, y",0.25\n');
    assert.deepEqual(
      rows.map((r) => [r.threshold, r.assert.map((a) => a.raw)]),
      [
        [undefined, [{ type: "contains", value: " a" }]],
        [undefined, [{ type: "contains", value: " b" }]],
        [0.25, [{ type: "equals", value: " x, y" }]],
      ],
    );
  });

  it("rows: columns are vars, __expected columns assertions, __metric their metric, __threshold and __description", () => {
    const rows = parseCsvCases('q,__expected1,__expected2,__metric,__threshold,__description\nhi,contains: a,,m,0.5,\n"x, y","icontains-all: p, q",equals: z,,,named\n');
    assert.deepEqual(
      rows.map((r) => [r.row, r.line, r.description, r.vars, r.assert.map((a) => a.raw), r.threshold]),
      [
        [1, 2, "Row #1", { q: "hi" }, [{ type: "contains", value: " a", metric: "m" }], 0.5],
        // An empty __metric cell still sets metric "" on the row's assertions, as promptfoo's loop does (no named score comes of it).
        [2, 3, "named", { q: "x, y" }, [{ type: "icontains-all", value: ["p", "q"], metric: "" }, { type: "equals", value: " z", metric: "" }], undefined],
      ],
    );
  });
});

// BaseAssertionTypesSchema and SpecialAssertionTypesSchema, src/types/index.ts on main:
// https://github.com/promptfoo/promptfoo/blob/main/src/types/index.ts (search "BaseAssertionTypesSchema = z.enum")
const PROMPTFOO_TYPES = [
  "answer-relevance", "bleu", "classifier", "contains", "contains-all", "contains-any", "contains-html", "contains-json", "contains-sql", "contains-xml",
  "context-faithfulness", "context-recall", "context-relevance", "conversation-relevance", "cost", "equals", "factuality", "finish-reason", "g-eval", "gleu",
  "guardrails", "icontains", "icontains-all", "icontains-any", "is-html", "is-json", "is-refusal", "is-sql", "is-valid-function-call",
  "is-valid-openai-function-call", "is-valid-openai-tools-call", "is-xml", "javascript", "latency", "levenshtein", "llm-rubric", "pi", "meteor",
  "model-graded-closedqa", "model-graded-factuality", "moderation", "perplexity", "perplexity-score", "python", "regex", "rouge-n", "ruby", "similar",
  "similar:cosine", "similar:dot", "similar:euclidean", "starts-with", "tool-call-f1", "skill-used", "trajectory:goal-success", "trajectory:tool-args-match",
  "trajectory:step-count", "trajectory:tool-sequence", "trajectory:tool-used", "trace-error-spans", "trace-span-count", "trace-span-duration",
  "search-rubric", "webhook", "word-count",
  // special
  "select-best", "human", "max-score",
];

describe("promptfoo parity: every promptfoo assertion type is run, or refused by name (MS6320)", () => {
  it("each type promptfoo has is modelsmith's or has a reason and a hint", () => {
    const missing = PROMPTFOO_TYPES.filter((t) => !(ASSERTION_TYPES as readonly string[]).includes(t) && !Object.hasOwn(TYPE_ALIASES, t) && !Object.hasOwn(PROMPTFOO_ONLY_TYPES, t));
    assert.deepEqual(missing, []);
  });
  // The handler map gives 'model-graded-factuality' to handleFactuality and 'similar:cosine' to handleSimilar:
  // https://github.com/promptfoo/promptfoo/blob/main/src/assertions/index.ts (search "'model-graded-factuality': handleFactuality")
  it("promptfoo's aliases run as the type they name, keeping the name written", () => {
    assert.deepEqual(TYPE_ALIASES, { "model-graded-factuality": "factuality", "similar:cosine": "similar" });
    const r = validateTestFile("grader: judge\ntests:\n  - prompt: p\n    assert:\n      - {type: model-graded-factuality, value: x}\n      - {type: not-similar:cosine, value: y, provider: judge}\n", "t.yaml", { projectModels: ["judge"] });
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.suite!.cases[0]!.assert.map((a) => [a.name, a.type, a.negate]), [["model-graded-factuality", "factuality", false], ["not-similar:cosine", "similar", true]]);
  });
  for (const t of Object.keys(PROMPTFOO_ONLY_TYPES)) {
    it(`${t} and not-${t}: MS6320 at the type, naming it, with a hint`, () => {
      for (const name of [t, `not-${t}`]) {
        const r = validateTestFile(`tests:\n  - prompt: p\n    assert:\n      - type: ${JSON.stringify(name)}\n        value: x\n`, "t.yaml");
        assert.equal(r.suite, undefined);
        assert.deepEqual(r.diagnostics.map((d) => [d.code, d.range?.start.line, d.range?.start.column]), [["MS6320", 4, 15]]);
        assert.match(r.diagnostics[0]!.message, new RegExp(`^\`${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\` is a promptfoo assertion type that modelsmith does not run: `));
        assert.ok(r.diagnostics[0]!.hint);
      }
    });
  }
  it("a type neither has is still MS6005 with a did-you-mean", () => {
    const r = validateTestFile("tests:\n  - prompt: p\n    assert:\n      - {type: icontain, value: x}\n", "t.yaml");
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.hint]), [["MS6005", "did you mean `icontains`?"]]);
  });
  it("a CSV cell naming a promptfoo type is that type (promptfoo's regex is over all its types), so it is refused at its cell", () => {
    assert.deepEqual(assertionFromString("cost(0.5):"), { type: "cost", value: "", threshold: 0.5 });
    assert.deepEqual(assertionFromString("not-is-xml"), { type: "not-is-xml" });
    assert.deepEqual(assertionFromString("python: output == 'a'"), { type: "python", value: "output == 'a'" });
  });
  // `not-` over every type modelsmith runs: each inverts the pass, as its promptfoo handler reads `inverse`, except those whose
  // handler never reads it (NOT_IGNORED_TYPES: levenshtein), which grade as the positive form and warn (MS6321).
  // https://github.com/promptfoo/promptfoo/blob/main/src/assertions/index.ts (runAssertion: `inverse` passed to each handler)
  // https://github.com/promptfoo/promptfoo/blob/main/src/assertions/levenshtein.ts (handleLevenshtein: no `inverse`)
  // https://github.com/promptfoo/promptfoo/blob/main/src/assertions/perplexity.ts (`(test) !== inverse`)
  const judged = { pass: true, score: 0.9, reason: "r" };
  const NOT_TABLE: Record<AssertionType, [string, Output]> = {
    equals: ["{type: equals, value: a}", out("a")],
    contains: ["{type: contains, value: a}", out("a")],
    icontains: ["{type: icontains, value: A}", out("a")],
    "contains-any": ["{type: contains-any, value: [a, b]}", out("a")],
    "icontains-any": ["{type: icontains-any, value: [A]}", out("a")],
    "contains-all": ["{type: contains-all, value: [a]}", out("a")],
    "icontains-all": ["{type: icontains-all, value: [A]}", out("a")],
    "starts-with": ["{type: starts-with, value: a}", out("ab")],
    regex: ["{type: regex, value: '^a'}", out("ab")],
    "is-json": ["{type: is-json}", out('{"a": 1}')],
    "word-count": ["{type: word-count, value: 1}", out("a")],
    "finish-reason": ["{type: finish-reason, value: stop}", out("a")],
    latency: ["{type: latency, threshold: 100}", out("a")],
    javascript: ["{type: javascript, value: 'true'}", out("a")],
    "contains-json": ["{type: contains-json}", out('x {"a": 1}')],
    levenshtein: ["{type: levenshtein, value: kitten}", out("kitten")],
    "rouge-n": ["{type: rouge-n, value: the quick brown fox}", out("the quick brown fox")],
    bleu: ["{type: bleu, value: the quick brown fox jumps}", out("the quick brown fox jumps")],
    similar: ["{type: similar, value: hi}", out("hello")],
    "llm-rubric": ["{type: llm-rubric, value: polite}", out("hello")],
    "model-graded-closedqa": ["{type: model-graded-closedqa, value: polite}", out("hello")],
    factuality: ["{type: factuality, value: hello}", out("hello")],
    "answer-relevance": ["{type: answer-relevance}", out("hello")],
    perplexity: ["{type: perplexity, threshold: 3}", out("x y", { logprobs: [-0.5, -1.5] })],
    "perplexity-score": ["{type: perplexity-score, threshold: 0.25}", out("x y", { logprobs: [-0.5, -1.5] })],
  };
  for (const type of ASSERTION_TYPES) {
    const ignored = NOT_IGNORED_TYPES.has(type);
    it(`not-${type} ${ignored ? "grades as " + type + " and warns (MS6321): promptfoo's handler ignores inverse" : "inverts the pass, as promptfoo's handler does; no warning"}`, () => {
      const [flow, output] = NOT_TABLE[type];
      const grade = (f: string) => {
        const r = validateTestFile(`grader: judge\ntests:\n  - prompt: p\n    assert:\n      - ${f}\n`, "t.yaml", { projectModels: ["judge"] });
        assert.ok(r.suite, JSON.stringify(r.diagnostics));
        const a = r.suite.cases[0]!.assert[0]!;
        return { result: evaluateAssertion(a, { ...output, judged: new Map([[a, judged]]) }), warnings: r.diagnostics.map((d) => `${d.code} ${d.severity}`) };
      };
      const positive = grade(flow);
      assert.equal(positive.result.pass, true, `the positive form passes: ${JSON.stringify(positive.result)}`);
      assert.deepEqual(positive.warnings, []);
      const negated = grade(flow.replace("{type: ", "{type: not-"));
      if (ignored) {
        assert.deepEqual([negated.result.pass, negated.result.score], [positive.result.pass, positive.result.score]);
        assert.deepEqual(negated.warnings, ["MS6321 warning"]);
      } else {
        assert.equal(negated.result.pass, false, JSON.stringify(negated.result));
        assert.deepEqual(negated.warnings, []);
      }
    });
  }
  it("not-levenshtein grades as levenshtein (promptfoo's handler ignores inverse) and warns, MS6321; the case is kept", () => {
    const r = validateTestFile("tests:\n  - prompt: p\n    assert:\n      - {type: not-levenshtein, value: kitten}\n", "t.yaml");
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity]), [["MS6321", "warning"]]);
    assert.equal(r.suite?.cases.length, 1);
  });
});

// prepareTestCaseForEval (defaultTest merging): assert = defaults' (unless options.disableDefaultAsserts) and the case's;
// threshold = case ?? defaults; options = {...defaults, ...case}; vars merged key by key; prefix = `testCase.options?.prefix || defaultTest.options?.prefix || ''`.
// https://github.com/promptfoo/promptfoo/blob/main/src/evaluator.ts (prepareTestCaseForEval, "disableDefaultAsserts", "prependToPrompt")
describe("promptfoo parity: defaultTest merges into each case", () => {
  const file = `defaultTest:
  vars: {a: A, b: B}
  threshold: 0.5
  assert: [{type: contains, value: d}]
  options: {prefix: "P:", temperature: 0.5}
tests:
  - prompt: "{{a}} {{b}}"
    vars: {b: C}
    options: {temperature: 0, suffix: ":S"}
    assert: [{type: contains, value: c}]
  - prompt: "x"
    threshold: 0.9
    options: {disableDefaultAsserts: true, prefix: "Q:"}
    assert: [{type: contains, value: e}]
`;
  const r = validateTestFile(file, "t.yaml");
  it("vars key by key, threshold case ?? defaults, options case over defaults, defaults' assertions added", () => {
    assert.deepEqual(r.diagnostics, []);
    const c = r.suite!.cases[0]!;
    assert.deepEqual([c.vars, c.threshold, c.options, c.assert.map((a) => a.value)], [{ a: "A", b: "C" }, 0.5, { temperature: 0 }, [{ kind: "text", text: "c" }, { kind: "text", text: "d" }]]);
  });
  it("prefix and suffix go around the prompt before rendering (case's over defaults'); disableDefaultAsserts drops the defaults' assertions", () => {
    const [c1, c2] = r.suite!.cases;
    assert.equal(c1!.prompt, "P:A C:S");
    assert.deepEqual([c2!.prompt, c2!.threshold, c2!.options, c2!.assert.map((a) => a.value)], ["Q:x", 0.9, { temperature: 0.5 }, [{ kind: "text", text: "e" }]]);
  });
  it("a case left with no assertion by disableDefaultAsserts is refused (MS6014)", () => {
    const bad = validateTestFile("defaultTest:\n  assert: [{type: contains, value: d}]\ntests:\n  - prompt: x\n    options: {disableDefaultAsserts: true}\n", "t.yaml");
    assert.deepEqual(bad.diagnostics.map((d) => d.code), ["MS6014"]);
  });
});
