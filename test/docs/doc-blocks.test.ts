import assert from "node:assert/strict";
import { test } from "node:test";
import { docBlocks } from "./doc-blocks.js";

test("docBlocks: sh blocks with exit=, serve and norun; file= blocks of any language; other blocks are prose", () => {
  const md = ["# t", "```sh", "modelsmith ls", "```", "```sh exit=2", "modelsmith show nope", "```", "```sh serve", "modelsmith serve", "```",
    "```sh norun", "modelsmith pull llama3", "```", "```yaml file=sub/modelsmith.yaml", "models: {}", "```", "```yaml", "not: run", "```", "```text", "x", "```"].join("\n");
  assert.deepEqual(docBlocks(md), [
    { kind: "sh", line: 2, text: "modelsmith ls\n", exit: 0, serve: false, run: true },
    { kind: "sh", line: 5, text: "modelsmith show nope\n", exit: 2, serve: false, run: true },
    { kind: "sh", line: 8, text: "modelsmith serve\n", exit: 0, serve: true, run: true },
    { kind: "sh", line: 11, text: "modelsmith pull llama3\n", exit: 0, serve: false, run: false },
    { kind: "file", line: 14, text: "models: {}\n", path: "sub/modelsmith.yaml" },
  ]);
});
