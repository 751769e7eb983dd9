import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { findLibllama, PINNED_LLAMA_CPP_RELEASE, PINNED_NODE_LLAMA_CPP, prebuiltPackageNames } from "../../src/quantize/library.js";
import { selectQuantizer } from "../../src/quantize/quantize.js";
import { fromRoot } from "../helpers/paths.js";

test("prebuilt package names per platform", () => {
  assert.deepEqual(prebuiltPackageNames("linux", "x64"), ["@node-llama-cpp/linux-x64"]);
  assert.deepEqual(prebuiltPackageNames("linux", "arm64"), ["@node-llama-cpp/linux-arm64"]);
  assert.deepEqual(prebuiltPackageNames("darwin", "arm64"), ["@node-llama-cpp/mac-arm64-metal"]);
  assert.deepEqual(prebuiltPackageNames("darwin", "x64"), ["@node-llama-cpp/mac-x64"]);
  assert.deepEqual(prebuiltPackageNames("win32", "x64"), ["@node-llama-cpp/win-x64"]);
  assert.deepEqual(prebuiltPackageNames("freebsd", "x64"), []);
});

test("the pins are the installed node-llama-cpp and the llama.cpp release it bundles", () => {
  const pkg = JSON.parse(fs.readFileSync(fromRoot("node_modules/node-llama-cpp/package.json"), "utf8")) as { version: string };
  const info = JSON.parse(fs.readFileSync(fromRoot("node_modules/node-llama-cpp/llama/llama.cpp.info.json"), "utf8")) as { tag: string };
  assert.equal(pkg.version, PINNED_NODE_LLAMA_CPP);
  assert.equal(info.tag, PINNED_LLAMA_CPP_RELEASE);
});

test("libllama is found in the prebuilt package of this platform, and auto picks it", (t) => {
  const [name] = prebuiltPackageNames();
  if (name === undefined) return t.skip("no prebuilt package for this platform");
  const found = findLibllama();
  assert.ok("path" in found, "reason" in found ? found.reason : "");
  assert.equal(found.packageName, name);
  assert.equal(found.packageVersion, PINNED_NODE_LLAMA_CPP);
  assert.match(path.basename(found.path), /^(lib)?llama(\.v[\d.]+)?\.(so|dylib|dll)$/);
  assert.ok(found.path.startsWith(fromRoot("node_modules", ...name.split("/"), "bins")));
  assert.deepEqual(selectQuantizer(), { kind: "library", path: found.path });
  assert.deepEqual(selectQuantizer({ binary: "/opt/llama-quantize" }), { kind: "binary", path: "/opt/llama-quantize" });
});
