/**
 * Two FROM lines, a model and a vision projector, as `ollama show
 * --modelfile` prints them for a multimodal model
 * (https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/images.go#L608-L613):
 * the projector becomes a layer of media type
 * `application/vnd.ollama.image.projector`, decided as Ollama decides it
 * (https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go#L1284-L1296).
 * The runtime does not load the projector; the store, manifest and show carry it.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { GgmlType } from "../../src/gguf/tensorTypes.js";
import { gv } from "../../src/gguf/valueTypes.js";
import { writeGguf } from "../../src/gguf/writer.js";
import { writeTestModel } from "../../src/testmodels/writeTestModel.js";
import { json, manifestOf, ms, tempDir, type BuiltJson } from "./helpers.js";

const SHAPE = { nEmbd: 256, nLayer: 1, nHead: 4, nHeadKv: 4, nFf: 256, vocabSize: 300, contextLength: 128 };

/** A tiny GGUF shaped as llama.cpp's mmproj files are: architecture clip, a vision encoder, no block_count of its own. */
async function writeClipProjector(file: string): Promise<void> {
  const weights = new Float32Array(32).map((_, i) => i / 32);
  await writeGguf(file, {
    metadata: [
      ["general.architecture", gv.str("clip")],
      ["clip.has_vision_encoder", gv.bool(true)],
      ["clip.projector_type", gv.str("mlp")],
    ],
    tensors: [{ name: "mm.0.weight", dims: [32, 1], type: GgmlType.F32, data: new Uint8Array(weights.buffer) }],
  });
}

const sha = (file: string) => `sha256:${createHash("sha256").update(readFileSync(file)).digest("hex")}`;

test("FROM a model and FROM a clip projector: a projector layer after the model, the same in create and build, shown by show", async (t) => {
  const dir = tempDir(t);
  const home = path.join(dir, "home");
  await writeTestModel(path.join(dir, "model.gguf"), { kind: "random", name: "random", seed: 7, tensorType: "F32", ...SHAPE });
  await writeClipProjector(path.join(dir, "mmproj.gguf"));
  // The second FROM a bare name beside the Modelfile, as the tutorial's `FROM file.gguf`.
  writeFileSync(path.join(dir, "Modelfile"), 'FROM ./model.gguf\nFROM mmproj.gguf\nSYSTEM "You see images."\n');

  const created = await ms(["create", "looker", "--json"], home, dir);
  assert.equal(created.exitCode, 0, created.stderr);
  const layers = manifestOf(home, "looker", "latest").layers;
  assert.deepEqual(
    layers.map((l) => l.mediaType),
    ["application/vnd.ollama.image.model", "application/vnd.ollama.image.projector", "application/vnd.ollama.image.system"],
  );
  assert.equal(layers[0]!.digest, sha(path.join(dir, "model.gguf")));
  assert.equal(layers[1]!.digest, sha(path.join(dir, "mmproj.gguf")));

  writeFileSync(path.join(dir, "modelsmith.yaml"), "models:\n  looker:\n    modelfile: Modelfile\n");
  const built = await ms(["build", "--json"], path.join(dir, "home2"), dir);
  assert.equal(built.exitCode, 0, built.stderr);
  assert.equal(json<BuiltJson>(built).models[0]!.manifest, (JSON.parse(created.stdout) as { manifest: string }).manifest);
  assert.match(readFileSync(path.join(dir, "models.lock"), "utf8"), /\.\/mmproj\.gguf:\n {4}digest: sha256:/);

  const shown = await ms(["show", "looker", "--json"], home, dir);
  assert.equal(shown.exitCode, 0, shown.stderr);
  assert.match(shown.stdout, /projector/i);

  // show --modelfile prints the projector as a later FROM, and creating from that text gives the same manifest (Ollama's round trip).
  const printed = await ms(["show", "looker", "--modelfile"], home, dir);
  assert.equal(printed.exitCode, 0, printed.stderr);
  const froms = printed.stdout.split("\n").filter((l) => l.startsWith("FROM "));
  assert.deepEqual(froms.map((l) => path.basename(l.slice(5).replace(/^"|"$/g, ""))), [layers[0]!.digest.replace(":", "-"), layers[1]!.digest.replace(":", "-")]);
  writeFileSync(path.join(dir, "Printed"), printed.stdout);
  const again = await ms(["create", "looker-copy", "-f", "Printed", "--json"], home, dir);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as { manifest: string }).manifest, (JSON.parse(created.stdout) as { manifest: string }).manifest);
});

test("a second FROM that is not a projector, or not a file, is MS5271 at its line (exit 2)", async (t) => {
  const dir = tempDir(t);
  const home = path.join(dir, "home");
  await writeTestModel(path.join(dir, "model.gguf"), { kind: "random", name: "random", seed: 7, tensorType: "F32", ...SHAPE });
  await writeTestModel(path.join(dir, "other.gguf"), { kind: "random", name: "random", seed: 8, tensorType: "F32", ...SHAPE });
  writeFileSync(path.join(dir, "Modelfile"), "FROM ./model.gguf\nFROM ./other.gguf\n");
  const notProjector = await ms(["create", "x"], home, dir);
  assert.equal(notProjector.exitCode, 2);
  assert.match(notProjector.stderr, /Modelfile:2:6: error\[MS5271\]: \.\/other\.gguf is not a vision projector \(general\.architecture is `llama`\)/);
  writeFileSync(path.join(dir, "Modelfile"), "FROM ./model.gguf\nFROM mistral\n");
  const name = await ms(["create", "x"], home, dir);
  assert.equal(name.exitCode, 2);
  assert.match(name.stderr, /Modelfile:2:6: error\[MS5271\]: `mistral` is a second FROM, but no such file is beside the Modelfile/);
});
