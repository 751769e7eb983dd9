import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { InputError } from "../../src/diagnostics/errors.js";
import { formatModelfile, printPlainModelfile, quoteValue, readModelfile, toPlainModelfile } from "../../src/modelfile/index.js";
import { FIXTURES } from "./helpers.js";

test("quoteValue picks the form that needs no escapes", () => {
  const cases: [string, string][] = [
    ["llama3:8b", "llama3:8b"],
    ["<|eot_id|>", "<|eot_id|>"],
    ['{"a":"b"}', '{"a":"b"}'],
    ["back\\slash", "back\\slash"],
    ["", '""'],
    [" lead", '" lead"'],
    ["trail\t", '"trail\t"'],
    ["a # b", '"a # b"'],
    ['"quoted"', '""""quoted""""'],
    [' say "hi"', '""" say "hi""""'],
    ["two\nlines", '"""two\nlines"""'],
    ['has """ inside', 'has """ inside'],
    [' has """ inside', '" has \\"\\"\\" inside"'],
    ['multi\n""" and \\', '"multi\n\\"\\"\\" and \\\\"'],
  ];
  for (const [value, written] of cases) assert.equal(quoteValue(value), written, JSON.stringify(value));
});

test("formatModelfile upper-cases keywords, moves FROM first and keeps comments", () => {
  const input = "# my model\n\nparameter temperature 0.2\n\n\n# base\nfrom   llama3  \nsystem   \"be brief\"  \n";
  assert.equal(formatModelfile(input), "# my model\n\n# base\nFROM llama3\n\nPARAMETER temperature 0.2\n\nSYSTEM be brief\n");
});

test("formatModelfile refuses text with syntax errors", () => {
  assert.throws(
    () => formatModelfile('FROM x\nSYSTEM """open\n', "M"),
    (e: unknown) => e instanceof InputError && e.diagnostics.length === 1 && e.diagnostics[0]!.code === "MS1005" && e.diagnostics[0]!.file === "M",
  );
});

test("printPlainModelfile writes a typed Modelfile that reads back the same", () => {
  const loaded = readModelfile(readFileSync(join(FIXTURES, "ok", "tutorial-json-extractor", "Modelfile")));
  const plain = toPlainModelfile(loaded.modelfile);
  const printed = printPlainModelfile(plain);
  assert.equal(
    printed,
    `FROM mistral\n\nSYSTEM """${plain.system}"""\n\n` +
      "PARAMETER temperature 0\nPARAMETER top_p 0.85\nPARAMETER num_ctx 4096\nPARAMETER num_predict 1024\nPARAMETER repeat_penalty 1\n\n" +
      "MESSAGE user Acme Corp announced on Jan 5 that CEO Jane Doe will open a new office in Berlin.\n" +
      'MESSAGE assistant {"entities":[{"name":"Acme Corp","type":"organization","confidence":0.95},{"name":"Jane Doe","type":"person","confidence":0.97},{"name":"Berlin","type":"location","confidence":0.99},{"name":"Jan 5","type":"date","confidence":0.90}],"summary":"Acme Corp CEO Jane Doe will open a new Berlin office."}\n\n' +
      "FORMAT json\n",
  );
  const again = readModelfile(printed);
  assert.deepEqual(again.diagnostics, []);
  assert.deepEqual(toPlainModelfile(again.modelfile), plain);
});
