import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  encodeMessages,
  encodeParams,
  encodeText,
  goMarshal,
  GoStruct,
  LAYER_MEDIA_TYPES,
  makeManifest,
  makeModelConfig,
  manifestDigest,
  parseManifest,
  parseModelConfig,
  serializeManifest,
  serializeModelConfig,
  sha256Digest,
  CONFIG_MEDIA_TYPE,
  type Layer,
} from "../../src/store/index.js";
import { ModelsmithError } from "../../src/diagnostics/index.js";
import { fromRoot } from "../helpers/paths.js";

const golden = (name: string): string => readFileSync(fromRoot("test/fixtures/store", name), "utf8");

/** The GGUF digest in ollama/ollama server/routes_create_test.go (createBinFile with general.architecture "test"). */
const OLLAMA_TEST_GGUF = "sha256:89a2116c3a82d6a97f59f748d86ed4417214353fd178ee54df418fde32495fad";

describe("Go encoding/json compatibility", () => {
  it("writes the config blob of Ollama's own tests byte for byte (with and without rootfs)", () => {
    const facts = { modelFamily: "test", modelType: "0", fileType: "unknown" };
    // ollama/ollama before #17619 (rootfs.diff_ids): TestCreateFromBin's config blob.
    const withRootfs = serializeModelConfig(makeModelConfig({ ...facts, layerDigests: [OLLAMA_TEST_GGUF] }));
    assert.equal(sha256Digest(withRootfs), "sha256:6bcdb8859d417753645538d7bbfbd7ca91a3f0c191aef5379c53c05e86b669dd");
    // ollama/ollama after #17619: the same test's config blob.
    const withoutRootfs = serializeModelConfig(makeModelConfig(facts));
    assert.equal(sha256Digest(withoutRootfs), "sha256:99759ad5b91e723db0393d698ffbb448b1b7df5ff6377a108c49254583b1bc8c");
    assert.equal(withoutRootfs, '{"model_format":"gguf","model_family":"test","model_families":["test"],"model_type":"0","file_type":"unknown","architecture":"amd64","os":"linux"}\n');
  });

  it("writes params and messages layers with the digests of Ollama's create tests", () => {
    // TestCreateMergeParameters
    assert.equal(sha256Digest(encodeParams({ temperature: 1, top_k: 10, stop: ["USER:", "ASSISTANT:"] })), "sha256:1d0ad71299d48c2fb7ae2b98e683643e771f8a5b72be34942af90d97a91c1e37");
    assert.equal(sha256Digest(encodeParams({ temperature: 0.6, top_k: 10, top_p: 0.7, stop: ["USER:", "ASSISTANT:"] })), "sha256:e29a7b3c47287a2489c895d21fe413c20f859a85d20e749492f52a838e36e1ba");
    // "<|endoftext|>" needs Go's HTML escaping (\u003c … \u003e) to hash right.
    assert.equal(sha256Digest(encodeParams({ temperature: 0.6, top_k: 10, top_p: 0.7, stop: ["<|endoftext|>"] })), "sha256:12f58bb75cb3042d69a7e013ab87fb3c3c7088f50ddc62f0c77bd332f0d44d35");
    // TestCreateReplacesMessages
    const first = [
      { role: "assistant", content: "What is my purpose?" },
      { role: "user", content: "You run tests." },
      { role: "assistant", content: "Oh, my god." },
    ];
    assert.equal(sha256Digest(encodeMessages(first)), "sha256:298baeaf6928a60cf666d88d64a1ba606feb43a2865687c39e40652e407bffc4");
    const second = [
      { role: "assistant", content: "You're a test, Harry." },
      { role: "user", content: "I-I'm a what?" },
      { role: "assistant", content: "A test. And a thumping good one at that, I'd wager." },
    ];
    assert.equal(sha256Digest(encodeMessages(second)), "sha256:a60ecc9da299ec7ede453f99236e5577fd125e143689b646d9f0ddc9971bf4db");
    // TestCreateUnsetsSystem: a SYSTEM layer is the bare text.
    assert.equal(sha256Digest(encodeText("Say hi!")), "sha256:f29e82a8284dbdf5910b1555580ff60b04238b8da9d5e51159ada67a4d0d5851");
  });

  it("escapes strings and prints numbers as Go does", () => {
    assert.equal(goMarshal("a\"b\\c\b\f\n\r\t\u0001\u001f<>&\u2028\u2029\u007f é 😀"), '"a\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f\\u003c\\u003e\\u0026\\u2028\\u2029\u007f é 😀"');
    assert.equal(goMarshal("\ud800x\udc00"), '"\\ufffdx\\ufffd"');
    assert.equal(goMarshal([1, 0.1, -0, 1e21, 1e-7, 123456789.125, 5e-324]), "[1,0.1,-0,1e+21,1e-7,123456789.125,5e-324]");
    assert.throws(() => goMarshal(NaN), RangeError);
    assert.equal(goMarshal({ b: 1, a: [true, false, null], "é": "x", Z: "y" }), '{"Z":"y","a":[true,false,null],"b":1,"é":"x"}');
    assert.equal(goMarshal(new GoStruct([["z", 1], ["omitted", undefined], ["a", new GoStruct([])]])), '{"z":1,"a":{}}');
  });
});

describe("manifests", () => {
  const model: Layer = { mediaType: LAYER_MEDIA_TYPES.model, digest: sha256Digest("model bytes"), size: 11 };
  const template: Layer = { mediaType: LAYER_MEDIA_TYPES.template, digest: sha256Digest("{{ .Prompt }}"), size: 13 };
  const params: Layer = { mediaType: LAYER_MEDIA_TYPES.params, digest: sha256Digest(encodeParams({ temperature: 0.2 })), size: encodeParams({ temperature: 0.2 }).length };
  const configBytes = serializeModelConfig(makeModelConfig({ modelFamily: "llama", modelType: "8.0B", fileType: "Q4_K_M", layerDigests: [model.digest, template.digest, params.digest] }));
  const config: Layer = { mediaType: CONFIG_MEDIA_TYPE, digest: sha256Digest(configBytes), size: Buffer.byteLength(configBytes) };

  // manifest.json was checked byte for byte against Go 1.19 encoding/json encoding Ollama's manifest.Manifest struct.
  it("serializes a manifest built from fixed layers to pinned bytes and digest", () => {
    assert.equal(configBytes, golden("config.json"));
    assert.equal(config.digest, "sha256:1c8903e11d5c277ade3705975834c9b872c4c6312a65f1a151d9eb582f8e6054");
    const m = makeManifest(config, [model, template, { ...params, from: "base:latest" }]);
    assert.equal(serializeManifest(m), golden("manifest.json"));
    assert.equal(manifestDigest(m), "sha256:d71e87932dad2b9b1c00b80bd87f191c8b894b1d4fff0ec2f60d4b2b7c3b5ce3");
  });

  it("parses what it writes, and manifests with other key orders, spacing and the OCI media type", () => {
    const m = makeManifest(config, [model, template]);
    assert.deepEqual(parseManifest(serializeManifest(m)), m);
    const pulled = `{
  "layers": [ { "size": 11, "digest": "${model.digest.toUpperCase().replace("SHA256", "sha256")}", "mediaType": "${model.mediaType}", "annotations": {"x": "y"} } ],
  "config": { "digest": "${config.digest}", "size": ${config.size}, "mediaType": "${CONFIG_MEDIA_TYPE}" },
  "mediaType": "application/vnd.oci.image.manifest.v1+json", "schemaVersion": 2 }`;
    assert.deepEqual(parseManifest(pulled), { schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config, layers: [model] });
  });

  it("rejects what is not a manifest with MS5105, saying why", () => {
    const why = (text: string): string => {
      try {
        parseManifest(text, "/store/manifests/h/n/m/t");
      } catch (err) {
        assert.ok(err instanceof ModelsmithError && err.kind === "environment");
        assert.equal(err.diagnostics[0]!.code, "MS5105");
        assert.equal(err.diagnostics[0]!.file, "/store/manifests/h/n/m/t");
        return err.diagnostics[0]!.message;
      }
      assert.fail("parsed");
    };
    assert.match(why("{"), /^corrupt manifest: not valid JSON/);
    assert.equal(why('{"schemaVersion":1}'), "corrupt manifest: schemaVersion is 1, expected 2");
    assert.equal(why('{"schemaVersion":2,"layers":[]}'), "corrupt manifest: config is not an object");
    assert.equal(why(`{"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:12","size":1},"layers":[]}`), "corrupt manifest: config.digest is not a sha256 digest");
    assert.equal(why(`{"schemaVersion":2,"config":{"mediaType":"x","digest":"${config.digest}","size":-1},"layers":[]}`), "corrupt manifest: config.size is not a byte count");
  });

  it("reads config blobs of Ollama and modelsmith alike", () => {
    assert.deepEqual(parseModelConfig(configBytes), makeModelConfig({ modelFamily: "llama", modelType: "8.0B", fileType: "Q4_K_M", layerDigests: [model.digest, template.digest, params.digest] }));
    const ollama = parseModelConfig('{"model_format":"gguf","model_family":"qwen2","model_families":null,"model_type":"494.03M","file_type":"Q8_0","renderer":"r","architecture":"amd64","os":"linux"}');
    assert.deepEqual(ollama, { modelFormat: "gguf", modelFamily: "qwen2", modelFamilies: null, modelType: "494.03M", fileType: "Q8_0", renderer: "r", architecture: "amd64", os: "linux" });
    assert.equal(serializeModelConfig(ollama), '{"model_format":"gguf","model_family":"qwen2","model_families":null,"model_type":"494.03M","file_type":"Q8_0","renderer":"r","architecture":"amd64","os":"linux"}\n');
  });
});
