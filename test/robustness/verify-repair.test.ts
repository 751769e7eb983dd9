/**
 * Issue 3: `verify` exits 1 after one byte of one blob is flipped, naming
 * the blob and the models that use it; the next `build` notices the corrupt
 * blob it needs (its stat moved since it was last known good, so it is
 * re-hashed), removes it, makes it again and says so (MS5111); `verify` then
 * passes. The same for a blob with the wrong size, a missing one, and the
 * pinned base that every variant is quantized from (the variants' steps are
 * skipped, the base is still checked).
 */
import assert from "node:assert/strict";
import { appendFileSync, chmodSync, readFileSync, unlinkSync } from "node:fs";
import { test } from "node:test";
import { blobFile, blobNames, buildDoc, buildLog, flipByte, manifest, modelLayer, ms, problemLines, project } from "./helpers.js";

const FILES = {
  "modelsmith.yaml": "models:\n  chat:\n    modelfile: Modelfile\n    quantize: [Q8_0]\n  helper:\n    modelfile: helper/Modelfile\n",
  Modelfile: "FROM testmodel://random?embd=256&layers=1&heads=4&ff=256&vocab=300&type=f16\nSYSTEM terse\n",
  "helper/Modelfile": "FROM chat\nSYSTEM helpful\n",
};

const MS5111_HINT = "hint: something wrote into the store (a disk fault, or a hardlinked model file edited in place); `modelsmith verify` checks every blob";

test("a flipped byte fails verify (blob and models named); build makes the blob again", async (t) => {
  const { dir, home } = project(t, FILES);
  const first = await ms(home, dir, "build", "--json");
  assert.equal(first.exitCode, 0, first.stderr);
  const built = buildDoc(first).models;
  assert.deepEqual(built.map((m) => `${m.model}:${m.tag}`), ["chat:latest", "chat:q8_0", "helper:latest"]);
  const blobs = blobNames(home);
  const quantized = modelLayer(home, "chat", "q8_0");
  assert.equal(modelLayer(home, "helper").digest, quantized.digest, "helper inherits chat's model layer");
  const original = readFileSync(blobFile(home, quantized.digest));

  const file = blobFile(home, quantized.digest);
  const actual = flipByte(file, 100_000);
  const v = await ms(home, dir, "verify");
  assert.equal(v.exitCode, 1);
  assert.equal(v.stdout, "");
  assert.deepEqual(problemLines(v.stderr), [
    `mismatch ${quantized.digest}`,
    `${file}: error[MS5301]: blob ${quantized.digest} does not match its digest (its content hashes to ${actual}); used by chat:latest, chat:q8_0, helper:latest`,
    "hint: rebuild or pull chat:latest, chat:q8_0, helper:latest (or remove them with `modelsmith rm`), then run `modelsmith prune`",
  ]);

  const repair = await ms(home, dir, "build", "--json");
  assert.equal(repair.exitCode, 0, repair.stderr);
  assert.deepEqual(buildDoc(repair).models, built);
  assert.equal(buildDoc(repair).stepsRun, 1, "only the quantize step runs again; every manifest is unchanged");
  assert.equal(
    buildLog(repair.stderr),
    "quantize chat Q8_0: done in …\nassemble chat:q8_0, chat:latest: cached\nassemble helper:latest: cached\n" +
      `${file}: warning[MS5111]: blob ${quantized.digest} was corrupt (its content hashes to ${actual}); removed it and made it again\n${MS5111_HINT}\n`,
  );
  assert.ok(readFileSync(file).equals(original), "the blob holds its digest's bytes again");
  assert.deepEqual(blobNames(home), blobs);
  const ok = await ms(home, dir, "verify");
  assert.equal(ok.exitCode, 0, ok.stderr);

  // Unchanged since it was made again: the next build does nothing and says nothing.
  const noop = await ms(home, dir, "build", "--json");
  assert.deepEqual([noop.exitCode, buildDoc(noop).stepsRun], [0, 0]);
  assert.equal(buildLog(noop.stderr), "quantize chat Q8_0: cached\nassemble chat:q8_0, chat:latest: cached\nassemble helper:latest: cached\n");
});

test("a blob of the wrong size and a missing blob are made again by the step that made them", async (t) => {
  const { dir, home } = project(t, FILES);
  const first = await ms(home, dir, "build", "--json");
  assert.equal(first.exitCode, 0, first.stderr);
  const config = manifest(home, "chat", "q8_0").config;
  const system = manifest(home, "helper").layers.find((l) => l.mediaType === "application/vnd.ollama.image.system")!;
  const configFile = blobFile(home, config.digest);
  chmodSync(configFile, 0o644);
  appendFileSync(configFile, " ");
  unlinkSync(blobFile(home, system.digest));

  const v = await ms(home, dir, "verify", "--json");
  assert.equal(v.exitCode, 1);
  const problems = (JSON.parse(v.stdout) as { problems: { digest: string; kind: string; usedBy: string[] }[] }).problems;
  assert.deepEqual(
    problems.map((p) => [p.digest, p.kind, p.usedBy]).sort(),
    [
      [config.digest, "mismatch", ["chat:latest", "chat:q8_0"]],
      [system.digest, "missing", ["helper:latest"]],
    ].sort(),
  );

  const repair = await ms(home, dir, "build", "--json");
  assert.equal(repair.exitCode, 0, repair.stderr);
  assert.deepEqual(buildDoc(repair).models, buildDoc(first).models);
  assert.equal(buildDoc(repair).stepsRun, 2, "the two assemble steps run again; the quantized blob is intact");
  assert.equal(
    buildLog(repair.stderr),
    "quantize chat Q8_0: cached\nassemble chat:q8_0, chat:latest: done in …\nassemble helper:latest: done in …\n" +
      `${configFile}: warning[MS5111]: blob ${config.digest} was corrupt (it is ${config.size + 1} bytes, not ${config.size}); removed it and made it again\n${MS5111_HINT}\n`,
  );
  const ok = await ms(home, dir, "verify");
  assert.equal(ok.exitCode, 0, ok.stderr);
});

test("the pinned base of a skipped quantize step is still checked, and generated again", async (t) => {
  const { dir, home } = project(t, FILES);
  const first = await ms(home, dir, "build", "--json");
  assert.equal(first.exitCode, 0, first.stderr);
  const lock = readFileSync(`${dir}/models.lock`, "utf8");
  const base = /digest: (sha256:[0-9a-f]{64})\n/.exec(lock)![1]!;
  const file = blobFile(home, base);
  const actual = flipByte(file, -1);
  const v = await ms(home, dir, "verify");
  assert.equal(v.exitCode, 1);
  assert.deepEqual(problemLines(v.stderr).slice(-2), [
    `${file}: error[MS5301]: blob ${base} does not match its digest (its content hashes to ${actual}); used by no model`,
    "hint: no model needs it: `modelsmith prune --grace 0` deletes it",
  ]);

  const repair = await ms(home, dir, "build", "--json");
  assert.equal(repair.exitCode, 0, repair.stderr);
  assert.equal(buildDoc(repair).stepsRun, 0, "no step runs: the base is only generated again");
  assert.equal(
    buildLog(repair.stderr),
    "generate testmodel://random: started\ngenerate testmodel://random: done, …\n" +
      "quantize chat Q8_0: cached\nassemble chat:q8_0, chat:latest: cached\nassemble helper:latest: cached\n" +
      `${file}: warning[MS5111]: blob ${base} was corrupt (its content hashes to ${actual}); removed it and made it again\n${MS5111_HINT}\n`);
  const ok = await ms(home, dir, "verify");
  assert.equal(ok.exitCode, 0, ok.stderr);
});
