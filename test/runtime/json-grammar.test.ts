import assert from "node:assert/strict";
import { test } from "node:test";
import { JSON_OBJECT_GRAMMAR } from "../../src/runtime/json-grammar.js";

const rule = (name: string) => JSON_OBJECT_GRAMMAR.split("\n").find((l) => l.startsWith(`${name} `))?.replace(/^\S+\s+::=\s+/, "");

// Whitespace as llama.cpp bounds it in grammars/json.gbnf since
// https://github.com/ggml-org/llama.cpp/pull/7866 ("refine whitespace rules to avoid runaways"):
// https://github.com/ggml-org/llama.cpp/blob/master/grammars/json.gbnf
// Ollama's own grammarJSON allows any run, `ws ::= ([ \t\n] ws)?`:
// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/llm/llama_server.go#L52-L73
// (the endless-newlines reports: https://github.com/ollama/ollama/issues/2623).
test("FORMAT json's whitespace is bounded: nothing, a space, or a newline and at most 20 spaces or tabs", () => {
  assert.equal(rule("ws"), '| " " | "\\n" [ \\t]{0,20}');
  // No other rule repeats whitespace: every [ \t\n] in the grammar is inside `ws` or a string's characters.
  for (const line of JSON_OBJECT_GRAMMAR.trim().split("\n")) {
    if (line.startsWith("ws ") || line.startsWith("string ")) continue;
    assert.doesNotMatch(line, /\\n|\\t|" "/, line);
  }
});

// Ollama's grammarJSON ends its root object at the closing brace (no `ws` after it), so the model must emit EOS there.
test("FORMAT json's root is one object that ends at its closing brace", () => {
  assert.equal(rule("root"), '"{" ws ( member ( "," ws member )* )? "}"');
  assert.equal(rule("object"), `${rule("root")} ws`);
});

test("numbers have bounded digits, as node-llama-cpp's schema grammars write them", () => {
  assert.equal(rule("number"), '"-"? ( "0" | [1-9] [0-9]{0,15} ) ( "." [0-9]{1,16} )? ( [eE] [-+]? ( "0" | [1-9] [0-9]{0,15} ) )? ws');
});
