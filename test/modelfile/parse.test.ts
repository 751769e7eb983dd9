import assert from "node:assert/strict";
import { test } from "node:test";
import { analyzeModelfile, parseModelfile, toPlainModelfile, type InstructionNode } from "../../src/modelfile/index.js";

const at = (r: { start: { line: number; column: number }; end: { line: number; column: number } }) =>
  `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;

test("instruction nodes carry ranges for keyword, name and value", () => {
  const { ast, diagnostics } = parseModelfile('FROM llama3\n  parameter  top_k\t40  \nSYSTEM """a\r\nb"""\n# note\n\nMESSAGE user "hi"', "M");
  assert.deepEqual(diagnostics, []);
  const nodes = ast.nodes;
  assert.deepEqual(
    nodes.map((n) => (n.kind === "comment" ? ["#", n.text, at(n.range), n.blankBefore] : [n.keyword, n.name?.text, at(n.keywordRange), n.name && at(n.name.range), at(n.value.range), n.value.quote, n.value.value, n.blankBefore])),
    [
      ["FROM", undefined, "1:1-1:5", undefined, "1:6-1:12", "bare", "llama3", false],
      ["PARAMETER", "top_k", "2:3-2:12", "2:14-2:19", "2:20-2:22", "bare", "40", false],
      ["SYSTEM", undefined, "3:1-3:7", undefined, "3:8-4:5", "triple", "a\nb", false],
      ["#", " note", "5:1-5:7", false],
      ["MESSAGE", "user", "7:1-7:8", "7:9-7:13", "7:14-7:18", "double", "hi", true],
    ],
  );
  assert.equal(ast.file, "M");
});

test("the offset map points value characters back into the file through quotes, escapes and CRLF", () => {
  const text = 'FROM x\nTEMPLATE "a\\"b\\\\c\r\nd"\n';
  const node = parseModelfile(text).ast.nodes[1] as InstructionNode;
  assert.equal(node.value.value, 'a"b\\c\nd');
  const sources = [...node.value.value].map((_, i) => text[node.value.map.toSource(i)]);
  assert.deepEqual(sources, ["a", '"', "b", "\\", "c", "\n", "d"]);
  assert.equal(text[node.value.map.toSource(node.value.value.length)], '"');
});

/** Ollama's parser_test.go TestParseFileParameters: the value each line gives. */
const OLLAMA_PARAMETERS: [string, string, unknown][] = [
  ["num_ctx 1", "num_ctx", 1],
  ["num_batch 1", "num_batch", 1],
  ["num_gpu 1", "num_gpu", 1],
  ["main_gpu 1", "main_gpu", 1],
  ["use_mmap true", "use_mmap", true],
  ["num_thread 1", "num_thread", 1],
  ["num_keep 1", "num_keep", 1],
  ["seed 1", "seed", 1],
  ["num_predict 1", "num_predict", 1],
  ["top_k 1", "top_k", 1],
  ["top_p 1.0", "top_p", 1],
  ["min_p 0.05", "min_p", 0.05],
  ["typical_p 1.0", "typical_p", 1],
  ["repeat_last_n 1", "repeat_last_n", 1],
  ["temperature 1.0", "temperature", 1],
  ["repeat_penalty 1.0", "repeat_penalty", 1],
  ["presence_penalty 1.0", "presence_penalty", 1],
  ["frequency_penalty 1.0", "frequency_penalty", 1],
  ["stop ### User:", "stop", ["### User:"]],
  ["stop ### User: ", "stop", ["### User:"]],
  ['stop "### User:"', "stop", ["### User:"]],
  ['stop "### User: "', "stop", ["### User: "]],
  ['stop """### User:"""', "stop", ["### User:"]],
  ['stop """### User:\n"""', "stop", ["### User:\n"]],
  ["stop <|endoftext|>", "stop", ["<|endoftext|>"]],
  ["stop <|eot_id|>", "stop", ["<|eot_id|>"]],
  ["stop </s>", "stop", ["</s>"]],
];

for (const [line, name, value] of OLLAMA_PARAMETERS) {
  test(`PARAMETER ${JSON.stringify(line)} (ollama parser_test)`, () => {
    const { ast, diagnostics } = parseModelfile(`FROM foo\nPARAMETER ${line}\n`);
    const analyzed = analyzeModelfile(ast);
    assert.deepEqual([...diagnostics, ...analyzed.diagnostics], []);
    assert.deepEqual(toPlainModelfile(analyzed.modelfile).parameters, { [name]: value });
  });
}

test("analysis without the template check leaves a broken TEMPLATE alone", () => {
  const { ast } = parseModelfile("FROM x\nTEMPLATE {{ if }}\n");
  assert.equal(analyzeModelfile(ast, { checkTemplate: false }).diagnostics.length, 0);
  const [d] = analyzeModelfile(ast).diagnostics;
  assert.deepEqual([d?.code, d?.message, d && at(d.range!)], ["MS7001", "TEMPLATE: missing value for if", "2:16-2:18"]);
});
