import assert from "node:assert/strict";
import { it } from "node:test";
import { resolveStoreRoot } from "../../src/store/index.js";

it("resolves the store root from MODELSMITH_HOME, else ~/.modelsmith", () => {
  assert.equal(resolveStoreRoot({}, "/home/ada", "/work"), "/home/ada/.modelsmith");
  assert.equal(resolveStoreRoot({ MODELSMITH_HOME: "" }, "/home/ada", "/work"), "/home/ada/.modelsmith");
  assert.equal(resolveStoreRoot({ MODELSMITH_HOME: "/mnt/models" }, "/home/ada", "/work"), "/mnt/models");
  assert.equal(resolveStoreRoot({ MODELSMITH_HOME: "cache/ms" }, "/home/ada", "/work/proj"), "/work/proj/cache/ms");
  assert.equal(resolveStoreRoot({ OLLAMA_MODELS: "/var/ollama" }, "/home/ada", "/work"), "/home/ada/.modelsmith", "OLLAMA_MODELS is Ollama's, not ours");
});
