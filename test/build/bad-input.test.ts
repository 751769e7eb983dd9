/**
 * Bad input is answered before the store is touched: exit 2, one line
 * `path:line:col: error[MS####]: message` at the line to fix, and a hint.
 * Network sources are refused with exit 3 under --offline.
 */
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { hasStackTrace, tempProject } from "../helpers/cli.js";
import { fromRoot } from "../helpers/paths.js";
import { ms } from "./helpers.js";

interface Case {
  name: string;
  files: Record<string, string>;
  args?: string[];
  exit: number;
  /** The first line of stderr, with the project directory written as `<dir>`. */
  line: string;
  hint: string;
  /** Default true; a pin is checked once the file is hashed, which fills the store's stat cache. */
  storeUntouched?: boolean;
}

const CASES: Case[] = [
  {
    name: "a FORMAT schema that is not JSON",
    files: { "modelsmith.yaml": "models:\n  m:\n    modelfile: Modelfile\n", Modelfile: "FROM testmodel://oracle\nFORMAT ./schema.json\n", "schema.json": "{type: object}" },
    exit: 2,
    line: "<dir>/Modelfile:2:8: error[MS4008]: ./schema.json is not valid JSON: Expected property name or '}' in JSON at position 1",
    hint: "hint: FORMAT takes `json` or the path of a JSON Schema file",
  },
  {
    name: "a FORMAT schema llama.cpp's converter cannot translate (a lookahead in a pattern)",
    files: { "modelsmith.yaml": "models:\n  m:\n    modelfile: Modelfile\n", Modelfile: "FROM testmodel://oracle\nFORMAT ./schema.json\n", "schema.json": '{"type":"object","properties":{"id":{"type":"string","pattern":"^(?=a)[a-z]+$"}}}' },
    exit: 2,
    line: '<dir>/Modelfile:2:8: error[MS8300]: ./schema.json: FORMAT schema cannot become a grammar at /properties/id: `pattern` "^(?=a)[a-z]+$": unsupported syntax "(?" at index 1 (lookaround, named or non-capturing groups)',
    hint: "hint: llama.cpp's converter resolves only local $refs and translates patterns anchored with ^...$ without lookarounds",
  },
  {
    name: "a missing Modelfile",
    files: { "modelsmith.yaml": "models:\n  m:\n    modelfile: nope/Modelfile\n" },
    exit: 2,
    line: "<dir>/modelsmith.yaml:3:16: error[MS4006]: Modelfile not found: <dir>/nope/Modelfile",
    hint: "hint: paths are relative to the file that names them",
  },
  {
    name: "an unknown alias",
    files: { "modelsmith.yaml": "models:\n  m:\n    modelfile: Modelfile\naliases:\n  llama3:8b: testmodel://oracle\n", Modelfile: "# base\nFROM lama3:8b\n" },
    exit: 2,
    line: "<dir>/Modelfile:2:6: error[MS5204]: `lama3:8b` is neither an alias nor a model of this project",
    hint: "hint: did you mean `llama3:8b`?",
  },
  {
    name: "a dependency cycle",
    files: { "modelsmith.yaml": "models:\n  a:\n    modelfile: a.Modelfile\n  b:\n    modelfile: b.Modelfile\n", "a.Modelfile": "FROM b\n", "b.Modelfile": "FROM a:latest\n" },
    exit: 2,
    line: "<dir>/a.Modelfile:1:6: error[MS5201]: build dependency cycle: a -> b -> a",
    hint: "hint: a model cannot be built from itself; point one FROM of the cycle at a base model",
  },
  {
    name: "a file that is not GGUF",
    files: { "modelsmith.yaml": "models:\n  m:\n    modelfile: Modelfile\n", Modelfile: "FROM ./w.gguf\n", "w.gguf": "not gguf\n" },
    exit: 2,
    line: '<dir>/Modelfile:1:6: error[MS3001]: ./w.gguf is not a GGUF file (it does not start with "GGUF")',
    hint: "hint: convert safetensors to GGUF with llama.cpp's convert_hf_to_gguf.py first",
  },
  {
    name: "a misspelled quantization type",
    files: { "modelsmith.yaml": "models:\n  m:\n    modelfile: Modelfile\n    quantize: [Q8_0, Q4_KM]\n", Modelfile: "FROM testmodel://oracle\n" },
    exit: 2,
    line: '<dir>/modelsmith.yaml:4:22: error[MS5501]: unknown quantization type "Q4_KM"',
    hint: "hint: did you mean `Q4_K`?",
  },
  {
    name: "an unknown model on the command line",
    files: { "modelsmith.yaml": "models:\n  chat:\n    modelfile: Modelfile\n", Modelfile: "FROM testmodel://oracle\n" },
    args: ["chta"],
    exit: 2,
    line: "error[MS5208]: `chta` is not a model of this project",
    hint: "hint: did you mean `chat`?",
  },
  {
    name: "a file pinned to other bytes",
    files: { "modelsmith.yaml": "models:\n  m:\n    modelfile: Modelfile\n", Modelfile: `FROM ./w.gguf@sha256:${"0".repeat(64)}\n`, "w.gguf": "GGUF but not the pinned bytes\n" },
    exit: 2,
    line: `<dir>/Modelfile:1:6: error[MS5205]: ./w.gguf is pinned to sha256:${"0".repeat(64)}, but its bytes have digest sha256:d8e8716849a531d4dcfac6f5eb71956d7263a286dcfe3a3a02a71e6866013b4a`,
    hint: "hint: pin the new digest, or restore the file the pin names",
    storeUntouched: false,
  },
  {
    name: "a Hugging Face source under --offline",
    files: { "modelsmith.yaml": "models:\n  m:\n    modelfile: Modelfile\n", Modelfile: "FROM hf://org/repo/model.gguf\n" },
    args: ["--offline"],
    exit: 3,
    line: "<dir>/Modelfile:1:6: error[MS5203]: hf://org/repo/model.gguf@main needs the network, and --offline refuses it",
    hint: "hint: build without --offline, or point FROM at a local .gguf file",
  },
  {
    name: "an https source under --offline",
    files: { "modelsmith.yaml": "models:\n  m:\n    modelfile: Modelfile\n", Modelfile: `FROM https://example.com/model.gguf#sha256=${"0".repeat(64)}\n` },
    args: ["--offline"],
    exit: 3,
    line: `<dir>/Modelfile:1:6: error[MS5203]: https://example.com/model.gguf#sha256=${"0".repeat(64)} needs the network, and --offline refuses it`,
    hint: "hint: build without --offline, or point FROM at a local .gguf file",
  },
  {
    name: "a registry source under --offline",
    files: { "modelsmith.yaml": "models:\n  m:\n    modelfile: Modelfile\n", Modelfile: "FROM ollama://llama3:8b\n" },
    args: ["--offline"],
    exit: 3,
    line: "<dir>/Modelfile:1:6: error[MS5203]: ollama://registry.ollama.ai/library/llama3:8b needs the network, and --offline refuses it",
    hint: "hint: build without --offline, or point FROM at a local .gguf file",
  },
];

describe("bad input", () => {
  for (const c of CASES) {
    it(`${c.name}: exit ${c.exit}, at its line, with a hint, store untouched`, async (t) => {
      const dir = tempProject(c.files);
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const home = path.join(dir, "home");
      const r = await ms(["build", "-C", dir, ...(c.args ?? [])], home);
      const rel = path.relative(fromRoot(), dir);
      assert.equal(r.exitCode, c.exit, r.stderr);
      assert.equal(r.stderr.split("\n")[0], c.line.replaceAll("<dir>", rel));
      assert.ok(r.stderr.split("\n").includes(c.hint), r.stderr);
      assert.equal(hasStackTrace(r.stderr), false);
      assert.equal(r.stdout, "");
      if (c.storeUntouched !== false) assert.equal(existsSync(home), false, "the store was not created");
      assert.equal(existsSync(path.join(dir, "models.lock")), false);
    });
  }
});
