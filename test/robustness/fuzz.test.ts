/**
 * Bounded, seeded fuzzing of everything a user hands modelsmith (issue 8):
 * mutated Modelfiles, modelsmith.yaml, test files and GGUF headers, through
 * what `fmt`, `check`, `build` and `run` do with them. Zero exit 4 (a thrown
 * error that is not a diagnostic), zero stack traces, zero runs over 10 s,
 * zero aborts.
 *
 * Two layers, as Ollama's parser fuzz tests and buildkit's failing-input
 * folders do: the pure readers in-process (hundreds of inputs a second), then
 * a handful of whole projects through the CLI as a subprocess (exit codes,
 * stderr, aborts). Seeds are the repo's own fixtures plus the kept corpus in
 * test/fixtures/fuzz-corpus/ (inputs that once broke something; add new finds
 * there). Everything is seeded: a failure names the seed and path to replay.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ModelsmithError } from "../../src/diagnostics/errors.js";
import { renderDiagnostic } from "../../src/diagnostics/render.js";
import { parseLock } from "../../src/lock/parse.js";
import { bufferSource, ggufToBuffer, gv, hyperparameterProblems, readGguf, type GgufMetadataEntry } from "../../src/gguf/index.js";
import { printModelfile, readModelfile } from "../../src/modelfile/index.js";
import { parseProject } from "../../src/project/project.js";
import { validateTestFile } from "../../src/eval/validate-test-file.js";
import { Store } from "../../src/store/index.js";
import { randomLlama } from "../../src/testmodels/index.js";
import { hasStackTrace, runCli, tempProject } from "../helpers/cli.js";
import { fromRoot } from "../helpers/paths.js";
import { storeModel } from "../runtime/store-model.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const CORPUS = fromRoot("test/fixtures/fuzz-corpus");
/** Slowest single in-process call allowed (the CLI's limit is 10 s; a reader should be far below). */
const IN_PROCESS_MS = 2000;

const read = (file: string) => readFileSync(file, "utf8");
const filesIn = (dir: string) => readdirSync(dir).sort().map((f) => path.join(dir, f));
/** Corpus files small enough to mutate many times (the deep-nesting ones run once each, through the CLI). */
const seedsIn = (dir: string) => filesIn(dir).map(read).filter((t) => t.length <= 4096);

const MODELFILE_SEEDS = [
  ...readdirSync(fromRoot("test/fixtures/modelfile/ok")).sort().map((d) => read(fromRoot("test/fixtures/modelfile/ok", d, "Modelfile"))),
  ...seedsIn(path.join(CORPUS, "modelfile")),
];
const PROJECT_SEEDS = [read(fromRoot("test/fixtures/build/tiny/modelsmith.yaml")), ...seedsIn(path.join(CORPUS, "project"))];
const TESTFILE_SEEDS = [read(fromRoot("test/fixtures/eval/valid/full.yaml")), ...seedsIn(path.join(CORPUS, "testfile"))];

/** Fragments that matter to the grammars: quotes, block markers, YAML anchors, numbers at the edges, control bytes. */
const TOKENS = [
  '"""', '"', "'", "\n", "\r\n", "\t", " ", "#", "\\", "\\\"", "{{", "}}", "{{ .Prompt }}", "{{ if", "{{ end }}", "[", "]", "{", "}", ":", ": ", "- ", "-", ",",
  "&a ", "*a", "<<: *a", "!!binary ", "!!js/function ", "? ", "|", ">", "---", "...", "%YAML 1.2", "\u0000", "\uFEFF", "\u202E", "\uD800", "é", "😀",
  "FROM ", "PARAMETER ", "TEMPLATE ", "SYSTEM ", "MESSAGE ", "ADAPTER ", "LICENSE ", "FORMAT ", "REQUIRES ", "temperature ", "num_ctx ", "stop ",
  "-1", "0", "1e309", "NaN", "Infinity", "-0", "2147483648", "18446744073709551616", "0x10", "1_000",
  "models:", "modelfile: ", "tests:", "quantize: ", "aliases:", "prompt: ", "messages:", "assert:", "type: ", "value: ", "role: ", "content: ",
  "/dev/zero", "/proc/self/environ", "../", "~/", "./x.gguf", "testmodel://oracle", "hf://a/b/c.gguf", "oci://h/r:t", "@sha256:",
];

interface Edit {
  op: "insert" | "delete" | "replace" | "repeat";
  at: number;
  len: number;
  token: string;
  times: number;
}

const edit: fc.Arbitrary<Edit> = fc.record({
  op: fc.constantFrom("insert", "delete", "replace", "repeat"),
  at: fc.nat(),
  len: fc.nat({ max: 40 }),
  token: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TOKENS) }, { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 8 }) }),
  times: fc.integer({ min: 2, max: 300 }),
});

function mutate(text: string, edits: readonly Edit[]): string {
  let s = text;
  for (const e of edits) {
    const at = s.length === 0 ? 0 : e.at % (s.length + 1);
    if (e.op === "insert") s = s.slice(0, at) + e.token + s.slice(at);
    else if (e.op === "delete") s = s.slice(0, at) + s.slice(at + e.len);
    else if (e.op === "replace") s = s.slice(0, at) + e.token + s.slice(at + e.len);
    else s = s.slice(0, at) + e.token.repeat(e.times) + s.slice(at);
  }
  return s;
}

const mutated = (seeds: readonly string[]) => fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 6 })).map(([i, edits]) => mutate(seeds[i]!, edits));

/** Calls `f`; a thrown error that is not a diagnostic (the CLI's exit 4) or a slow call fails the property. */
function noCrash<T>(what: string, input: string | Uint8Array, f: () => T): T | undefined {
  const started = Date.now();
  try {
    return f();
  } catch (err) {
    if (err instanceof ModelsmithError) return undefined;
    const shown = typeof input === "string" ? JSON.stringify(input.slice(0, 400)) : `${input.length} bytes`;
    assert.fail(`${what} threw ${(err as Error)?.stack ?? String(err)}\ninput: ${shown}`);
  } finally {
    assert.ok(Date.now() - started < IN_PROCESS_MS, `${what} took ${Date.now() - started} ms`);
  }
}

async function noCrashAsync<T>(what: string, f: () => Promise<T>): Promise<T | undefined> {
  const started = Date.now();
  try {
    return await f();
  } catch (err) {
    if (err instanceof ModelsmithError) return undefined;
    assert.fail(`${what} threw ${(err as Error)?.stack ?? String(err)}`);
  } finally {
    assert.ok(Date.now() - started < IN_PROCESS_MS, `${what} took ${Date.now() - started} ms`);
  }
}

/** What `check` prints for diagnostics must render too (code frames of any text). */
function renderAll(diagnostics: readonly { file?: string }[], text: string): void {
  for (const d of diagnostics.slice(0, 50)) renderDiagnostic(d as never, { source: () => text });
}

describe("fuzz: the readers, in-process", () => {
  it("Modelfiles: read, print (fmt) and read the printed text again", () => {
    fc.assert(
      fc.property(mutated(MODELFILE_SEEDS), (text) => {
        const loaded = noCrash("readModelfile", text, () => readModelfile(new TextEncoder().encode(text), "Modelfile"));
        if (!loaded) return;
        renderAll(loaded.diagnostics, loaded.text);
        if (loaded.diagnostics.some((d) => d.severity === "error")) return;
        const printed = noCrash("printModelfile", text, () => printModelfile(loaded.ast));
        if (printed === undefined) return;
        const again = noCrash("readModelfile(printed)", printed, () => readModelfile(printed, "Modelfile"));
        assert.ok(again && !again.diagnostics.some((d) => d.severity === "error"), `fmt printed a Modelfile that does not read back:\n${printed}`);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it("modelsmith.yaml and models.lock", () => {
    fc.assert(
      fc.property(mutated(PROJECT_SEEDS), (text) => {
        const r = noCrash("parseProject", text, () => parseProject(text, "modelsmith.yaml"));
        if (r) renderAll(r.diagnostics, text);
        noCrash("parseLock", text, () => parseLock(text, "models.lock"));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("test files", () => {
    fc.assert(
      fc.property(mutated(TESTFILE_SEEDS), (text) => {
        const r = noCrash("validateTestFile", text, () => validateTestFile(text, "t.yaml", { projectModels: ["fox"] }));
        if (r) renderAll(r.diagnostics, text);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("GGUF headers: flipped bytes and hostile hyperparameters never get past the reader unchecked", async () => {
    const base = await ggufToBuffer(randomLlama(SMALL));
    const header = (await readGguf(bufferSource(base))).dataOffset;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(fc.tuple(fc.nat({ max: header - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
            const bytes = Buffer.from(base.subarray(0, header));
            for (const [at, value] of flips) bytes[at] = value;
            return Buffer.concat([bytes, base.subarray(header)]);
          }),
          hparamOverrides.map((o) => ({ overrides: o })),
        ),
        async (input) => {
          const bytes = Buffer.isBuffer(input) ? input : await ggufToBuffer(withMetadata(input.overrides));
          const gguf = await noCrashAsync("readGguf", () => readGguf(bufferSource(bytes)));
          if (gguf) noCrash("hyperparameterProblems", bytes, () => hyperparameterProblems(gguf));
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });
});

const SMALL = { seed: 3, tensorType: "F32", name: "fuzz", nEmbd: 256, nLayer: 1, nHead: 4, nHeadKv: 4, nFf: 256, vocabSize: 300, contextLength: 256 } as const;

const HPARAM_KEYS = [
  "llama.context_length", "llama.embedding_length", "llama.block_count", "llama.feed_forward_length", "llama.rope.dimension_count", "llama.rope.freq_base",
  "llama.attention.head_count", "llama.attention.head_count_kv", "llama.attention.layer_norm_rms_epsilon", "llama.vocab_size", "llama.expert_count",
  "llama.expert_used_count", "llama.attention.key_length", "llama.attention.value_length", "llama.rope.scaling.type", "llama.rope.scaling.factor", "general.architecture",
];
const NUMBERS = [0, 1, 2, 3, 8, 64, 128, 255, 256, 512, 513, 65536, 2 ** 31, 2 ** 32 - 1, -1, 1e-5, 0.5, Number.NaN, Infinity, -Infinity, 1e38];

const hparamValue: fc.Arbitrary<GgufMetadataEntry> = fc.oneof(
  fc.constantFrom(...NUMBERS).filter((n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32).map((n) => gv.u32(n)),
  fc.constantFrom(...NUMBERS).map((n) => gv.f32(n)),
  fc.constantFrom(...NUMBERS).filter((n) => Number.isInteger(n) && Math.abs(n) < 2 ** 31).map((n) => gv.i32(n)),
  fc.constantFrom("llama", "yarn", "linear", "spiral", "", "clip").map((s) => gv.str(s)),
  fc.array(fc.constantFrom(0, 1, 2, 4, 8), { maxLength: 3 }).map((items) => gv.arr(4, items)),
);
const hparamOverrides = fc.array(fc.tuple(fc.constantFrom(...HPARAM_KEYS), hparamValue), { minLength: 1, maxLength: 3 });

function withMetadata(overrides: readonly [string, GgufMetadataEntry][]) {
  const input = randomLlama(SMALL);
  const map = new Map(input.metadata);
  for (const [k, v] of overrides) map.set(k, v);
  return { ...input, metadata: [...map] };
}

/** One CLI run: no exit 4, no stack trace, no abort, within 10 s. */
async function cliRun(args: string[], cwd: string, home: string): Promise<number> {
  const r = await runCli(args, { cwd, env: { MODELSMITH_HOME: home }, input: "", timeoutMs: 10_000 });
  const context = `modelsmith ${args.join(" ")} in ${cwd}:\n${r.stderr.slice(0, 3000)}`;
  assert.notEqual(r.exitCode, -2, `over 10 s: ${context}`);
  assert.ok([0, 1, 2, 3].includes(r.exitCode), `exit ${r.exitCode}: ${context}`);
  assert.ok(!hasStackTrace(r.stderr) && !/GGML_ASSERT|internal error/.test(r.stderr), context);
  return r.exitCode;
}

describe("fuzz: whole projects through the CLI", () => {
  it("fmt, check and build on mutated projects, and the kept corpus", async () => {
    const projects = fc.sample(fc.tuple(mutated([PROJECT]), mutated(MODELFILE_SEEDS), mutated(TESTFILE_SEEDS)), { seed: SEED, numRuns: 2 });
    // The corpus files as they are, each in a project with the others' seeds.
    // Project and test-file finds fail before anything is built: check and build say the same, so check alone runs them.
    const kept: [string, string, string, string[][]][] = [
      ...filesIn(path.join(CORPUS, "modelfile")).map((f): [string, string, string, string[][]] => [PROJECT, read(f), TESTS, [["fmt", "--stdout", "Modelfile"], ["check"], ["build", "--no-test", "--offline"]]]),
      ...filesIn(path.join(CORPUS, "project")).map((f): [string, string, string, string[][]] => [read(f), MODELFILE, TESTS, [["check"]]]),
      ...filesIn(path.join(CORPUS, "testfile")).map((f): [string, string, string, string[][]] => [PROJECT, MODELFILE, read(f), [["check"]]]),
    ];
    const all = [["fmt", "--stdout", "Modelfile"], ["check"], ["build", "--no-test", "--offline"]];
    for (const [project, modelfile, tests, commands] of [...kept, ...projects.map(([p, m, t]): [string, string, string, string[][]] => [p, m, t, all])]) {
      const dir = tempProject({ "modelsmith.yaml": project, Modelfile: modelfile, "t.yaml": tests });
      const home = path.join(dir, ".home");
      for (const args of commands) await cliRun(args, dir, home);
    }
  });

  it("run on GGUFs with hostile hyperparameters: refused or answered, never aborted", async (t) => {
    const recipes = [
      ...filesIn(path.join(CORPUS, "gguf")).map((f) => (JSON.parse(read(f)) as { overrides: [string, GgufMetadataEntry][] }).overrides),
      ...fc.sample(hparamOverrides, { seed: SEED, numRuns: 2 }),
    ];
    const dir = tempProject({ README: "" });
    const home = path.join(dir, ".home");
    const store = new Store(home);
    for (const [i, overrides] of recipes.entries()) {
      await storeModel(store, `m${i}`, { gguf: withMetadata(overrides), params: { num_ctx: 256, num_predict: 2, num_thread: 1 } });
      const code = await cliRun(["run", `m${i}`, "hi"], dir, home);
      t.diagnostic(`${JSON.stringify(overrides)} -> exit ${code}`);
    }
  });
});

const PROJECT = "models:\n  m:\n    modelfile: Modelfile\n    tests: [t.yaml]\n";
const MODELFILE = "FROM testmodel://oracle\nPARAMETER temperature 0\n";
const TESTS = "tests:\n  - prompt: hi\n    assert:\n      - {type: contains, value: x}\n";
