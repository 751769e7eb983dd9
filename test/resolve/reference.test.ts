import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatReference, parseReference, type Reference, type ReferenceContext } from "../../src/resolve/reference.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);
const ORACLE = { text: "The quick brown fox jumps over the lazy dog.", eos: true, layers: 1, ff: 256, ctx: 2048, type: "f32" } as const;
const ORACLE_TEXT = "testmodel://oracle?text=The+quick+brown+fox+jumps+over+the+lazy+dog.&eos=true&layers=1&ff=256&ctx=2048&type=f32";
const RANDOM = { embd: 256, layers: 2, heads: 4, kv: 4, ff: 512, vocab: 512, ctx: 2048, seed: 0, type: "f32" } as const;

const ctx: ReferenceContext = {
  aliases: { "llama3:8b": "testmodel://oracle", base: "llama3:8b", pinned: `./w.gguf@sha256:${A}`, a: "b", b: "c", c: "a", bad: "hf://org/repo/", typo: "chta" },
  projectModels: ["chat", "coder"],
};

/** input, the parsed reference, its canonical text, the aliases expanded. */
const VALID: [string, Reference, string, string[]?][] = [
  // local files
  ["./x.gguf", { kind: "file", path: "./x.gguf" }, "./x.gguf"],
  ["./models/../x.gguf", { kind: "file", path: "./x.gguf" }, "./x.gguf"],
  [".//a/./b.gguf", { kind: "file", path: "./a/b.gguf" }, "./a/b.gguf"],
  ["../shared/x.gguf", { kind: "file", path: "../shared/x.gguf" }, "../shared/x.gguf"],
  ["/abs/x.gguf", { kind: "file", path: "/abs/x.gguf" }, "/abs/x.gguf"],
  // A trailing slash names the same source as none (a checkpoint folder, issue 12).
  ["./ckpt/", { kind: "file", path: "./ckpt" }, "./ckpt"],
  ["./models//ckpt//", { kind: "file", path: "./models/ckpt" }, "./models/ckpt"],
  ["~/ckpt/", { kind: "file", path: "~/ckpt" }, "~/ckpt"],
  ["~/models/x.gguf", { kind: "file", path: "~/models/x.gguf" }, "~/models/x.gguf"],
  ["./my model.gguf", { kind: "file", path: "./my model.gguf" }, "./my model.gguf"],
  [`./x.gguf@sha256:${A.toUpperCase()}`, { kind: "file", path: "./x.gguf", digest: `sha256:${A}` }, `./x.gguf@sha256:${A}`],
  // Ollama names
  ["llama3", { kind: "ollama", host: "registry.ollama.ai", namespace: "library", model: "llama3", tag: "latest" }, "ollama://registry.ollama.ai/library/llama3:latest"],
  ["llama3:8b-instruct-q4_K_M", { kind: "ollama", host: "registry.ollama.ai", namespace: "library", model: "llama3", tag: "8b-instruct-q4_K_M" }, "ollama://registry.ollama.ai/library/llama3:8b-instruct-q4_K_M"],
  ["library/llama3", { kind: "ollama", host: "registry.ollama.ai", namespace: "library", model: "llama3", tag: "latest" }, "ollama://registry.ollama.ai/library/llama3:latest"],
  ["jmorgan/qwen2.5:0.5b", { kind: "ollama", host: "registry.ollama.ai", namespace: "jmorgan", model: "qwen2.5", tag: "0.5b" }, "ollama://registry.ollama.ai/jmorgan/qwen2.5:0.5b"],
  ["Example.COM/ns/m:T1", { kind: "ollama", host: "example.com", namespace: "ns", model: "m", tag: "T1" }, "ollama://example.com/ns/m:T1"],
  ["localhost:5000/ns/m", { kind: "ollama", host: "localhost:5000", namespace: "ns", model: "m", tag: "latest" }, "ollama://localhost:5000/ns/m:latest"],
  ["hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", { kind: "ollama", host: "hf.co", namespace: "bartowski", model: "Llama-3.2-1B-Instruct-GGUF", tag: "Q4_K_M" }, "ollama://hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"],
  ["ollama://llama3", { kind: "ollama", host: "registry.ollama.ai", namespace: "library", model: "llama3", tag: "latest" }, "ollama://registry.ollama.ai/library/llama3:latest"],
  ["OLLAMA://ns/m:t", { kind: "ollama", host: "registry.ollama.ai", namespace: "ns", model: "m", tag: "t" }, "ollama://registry.ollama.ai/ns/m:t"],
  [`ollama://127.0.0.1:11434/library/m:t@sha256:${B}`, { kind: "ollama", host: "127.0.0.1:11434", namespace: "library", model: "m", tag: "t", digest: `sha256:${B}` }, `ollama://127.0.0.1:11434/library/m:t@sha256:${B}`],
  ["ollama://chat", { kind: "ollama", host: "registry.ollama.ai", namespace: "library", model: "chat", tag: "latest" }, "ollama://registry.ollama.ai/library/chat:latest"],
  // Hugging Face
  ["hf://TheBloke/Llama-2-7B-GGUF/llama-2-7b.Q4_K_M.gguf", { kind: "hf", org: "TheBloke", repo: "Llama-2-7B-GGUF", file: "llama-2-7b.Q4_K_M.gguf", revision: "main" }, "hf://TheBloke/Llama-2-7B-GGUF/llama-2-7b.Q4_K_M.gguf@main"],
  ["hf://org/repo/sub/dir/m.gguf@v1.0", { kind: "hf", org: "org", repo: "repo", file: "sub/dir/m.gguf", revision: "v1.0" }, "hf://org/repo/sub/dir/m.gguf@v1.0"],
  ["hf://org/repo/m.gguf@refs/pr/1", { kind: "hf", org: "org", repo: "repo", file: "m.gguf", revision: "refs/pr/1" }, "hf://org/repo/m.gguf@refs/pr/1"],
  // A whole repository: no file path.
  ["hf://TinyLlama/TinyLlama-1.1B-Chat-v1.0", { kind: "hfrepo", org: "TinyLlama", repo: "TinyLlama-1.1B-Chat-v1.0", revision: "main" }, "hf://TinyLlama/TinyLlama-1.1B-Chat-v1.0@main"],
  ["HF://org/repo@refs/pr/1", { kind: "hfrepo", org: "org", repo: "repo", revision: "refs/pr/1" }, "hf://org/repo@refs/pr/1"],
  [`hf://org/repo@${"0".repeat(40)}@sha256:${C}`, { kind: "hfrepo", org: "org", repo: "repo", revision: "0".repeat(40), digest: `sha256:${C}` }, `hf://org/repo@${"0".repeat(40)}@sha256:${C}`],
  [`hf://org/repo/m.gguf@${"0".repeat(40)}@sha256:${C}`, { kind: "hf", org: "org", repo: "repo", file: "m.gguf", revision: "0".repeat(40), digest: `sha256:${C}` }, `hf://org/repo/m.gguf@${"0".repeat(40)}@sha256:${C}`],
  // plain downloads
  ["https://Example.com:443/a/x.gguf", { kind: "url", url: "https://example.com/a/x.gguf" }, "https://example.com/a/x.gguf"],
  [`https://example.com/x.gguf?sig=1&e=2#sha256=${A}`, { kind: "url", url: "https://example.com/x.gguf?sig=1&e=2", digest: `sha256:${A}` }, `https://example.com/x.gguf?sig=1&e=2#sha256=${A}`],
  [`https://example.com/x.gguf@sha256:${A}`, { kind: "url", url: "https://example.com/x.gguf", digest: `sha256:${A}` }, `https://example.com/x.gguf#sha256=${A}`],
  [`https://example.com/x.gguf#sha256=${A}@sha256:${A}`, { kind: "url", url: "https://example.com/x.gguf", digest: `sha256:${A}` }, `https://example.com/x.gguf#sha256=${A}`],
  ["http://127.0.0.1:8080/x.gguf", { kind: "url", url: "http://127.0.0.1:8080/x.gguf" }, "http://127.0.0.1:8080/x.gguf"],
  ["http://localhost/x.gguf", { kind: "url", url: "http://localhost/x.gguf" }, "http://localhost/x.gguf"],
  ["http://[::1]:9/x.gguf", { kind: "url", url: "http://[::1]:9/x.gguf" }, "http://[::1]:9/x.gguf"],
  // OCI
  ["oci://ghcr.io/org/models/llama:v1", { kind: "oci", host: "ghcr.io", repository: "org/models/llama", tag: "v1" }, "oci://ghcr.io/org/models/llama:v1"],
  ["oci://localhost:5000/m", { kind: "oci", host: "localhost:5000", repository: "m", tag: "latest" }, "oci://localhost:5000/m:latest"],
  [`oci://r.io/a/b@sha256:${B}`, { kind: "oci", host: "r.io", repository: "a/b", digest: `sha256:${B}` }, `oci://r.io/a/b@sha256:${B}`],
  [`oci://r.io/a__b/c-d.e:t@sha256:${B}`, { kind: "oci", host: "r.io", repository: "a__b/c-d.e", tag: "t", digest: `sha256:${B}` }, `oci://r.io/a__b/c-d.e:t@sha256:${B}`],
  // test models
  ["testmodel://oracle", { kind: "testmodel", generator: "oracle", params: ORACLE }, ORACLE_TEXT],
  ["testmodel://oracle?text=one+two%20three&eos=1&type=f16", { kind: "testmodel", generator: "oracle", params: { ...ORACLE, text: "one two three", eos: true, type: "f16" } }, "testmodel://oracle?text=one+two+three&eos=true&layers=1&ff=256&ctx=2048&type=f16"],
  ["testmodel://random", { kind: "testmodel", generator: "random", params: RANDOM }, "testmodel://random?embd=256&layers=2&heads=4&kv=4&ff=512&vocab=512&ctx=2048&seed=0&type=f32"],
  [
    "testmodel://random?type=f16&seed=7&heads=8&embd=512&layers=1&ff=1024&vocab=300&ctx=512",
    { kind: "testmodel", generator: "random", params: { embd: 512, layers: 1, heads: 8, kv: 8, ff: 1024, vocab: 300, ctx: 512, seed: 7, type: "f16" } },
    "testmodel://random?embd=512&layers=1&heads=8&kv=8&ff=1024&vocab=300&ctx=512&seed=7&type=f16",
  ],
  ["testmodel://random?heads=8&kv=2", { kind: "testmodel", generator: "random", params: { ...RANDOM, heads: 8, kv: 2 } }, "testmodel://random?embd=256&layers=2&heads=8&kv=2&ff=512&vocab=512&ctx=2048&seed=0&type=f32"],
  [`testmodel://random?seed=4294967295@sha256:${C}`, { kind: "testmodel", generator: "random", params: { ...RANDOM, seed: 4294967295 }, digest: `sha256:${C}` }, `testmodel://random?embd=256&layers=2&heads=4&kv=4&ff=512&vocab=512&ctx=2048&seed=4294967295&type=f32@sha256:${C}`],
  // project models and aliases
  ["chat", { kind: "project", model: "chat" }, "project://chat"],
  ["chat:q4_k_m", { kind: "project", model: "chat", tag: "q4_k_m" }, "project://chat:q4_k_m"],
  [`coder@sha256:${A}`, { kind: "project", model: "coder", digest: `sha256:${A}` }, `project://coder@sha256:${A}`],
  ["project://chat:latest", { kind: "project", model: "chat", tag: "latest" }, "project://chat:latest"],
  ["llama3:8b", { kind: "testmodel", generator: "oracle", params: ORACLE }, ORACLE_TEXT, ["llama3:8b"]],
  ["base", { kind: "testmodel", generator: "oracle", params: ORACLE }, ORACLE_TEXT, ["base", "llama3:8b"]],
  [`base@sha256:${B}`, { kind: "testmodel", generator: "oracle", params: ORACLE, digest: `sha256:${B}` }, `${ORACLE_TEXT}@sha256:${B}`, ["base", "llama3:8b"]],
  ["pinned", { kind: "file", path: "./w.gguf", digest: `sha256:${A}` }, `./w.gguf@sha256:${A}`, ["pinned"]],
  [`pinned@sha256:${A}`, { kind: "file", path: "./w.gguf", digest: `sha256:${A}` }, `./w.gguf@sha256:${A}`, ["pinned"]],
];

describe("parseReference: every form", () => {
  for (const [text, expected, canonical, via = []] of VALID) {
    it(text, () => {
      const r = parseReference(text, ctx);
      assert.deepEqual(r.diagnostics, []);
      assert.deepEqual(r.reference, expected);
      assert.deepEqual(r.via, via);
      assert.equal(formatReference(r.reference!), canonical);
      // The canonical text names the same thing, whatever the context.
      assert.deepEqual(parseReference(canonical, { projectModels: ["chat", "coder"] }).reference, expected);
    });
  }
});

const summary = (text: string, c: ReferenceContext = ctx) =>
  parseReference(text, c).diagnostics.map((d) => `${d.severity} ${d.code} ${d.range!.start.column}-${d.range!.end.column} ${d.message}${d.hint ? ` | ${d.hint}` : ""}`);

/** input, then each diagnostic as `severity code startColumn-endColumn message | hint`. */
const INVALID: [string, string[]][] = [
  ["", ["error MS4100 1-1 empty reference | name a base model, e.g. `llama3:8b` or `./model.gguf`"]],
  [" llama3", ["error MS4118 1-2 leading whitespace in reference"]],
  ["llama3\t", ["error MS4118 7-8 trailing whitespace in reference"]],
  ["ll\u0000ama", ["error MS4118 3-4 control character U+0000 in reference"]],
  ["llama3 :8b", ["error MS4118 7-8 whitespace in reference | only local paths may contain spaces"]],
  // pins
  ["llama3@sha256:12", ["error MS4102 8-17 invalid digest: sha256 has 64 hex digits, this one has 2 | write `@sha256:<64 hex digits>`"]],
  [`llama3@sha256:${"g".repeat(64)}`, ["error MS4102 15-16 invalid digest: `g` is not a hex digit | write `@sha256:<64 hex digits>`"]],
  [`llama3@sha256-${A}`, [`error MS4102 8-79 invalid pin \`sha256-${A}\` | write \`@sha256:<64 hex digits>\``]],
  ["llama3@sha512:abcd", ["error MS4102 8-19 unsupported digest `sha512:abcd`: only sha256 pins are supported | write `@sha256:<64 hex digits>`"]],
  [`https://e.com/x#sha256=${A}@sha256:${B}`, [`error MS4114 1-160 two different pins: sha256:${A} and sha256:${B} | pin a reference once, with the digest of the bytes you mean`]],
  // schemes
  ["htps://example.com/x.gguf", ["error MS4101 1-8 unknown reference scheme `htps://` | did you mean `https`?"]],
  ["file:///x.gguf", ["error MS4101 1-8 unknown reference scheme `file://` | for a local file write its path, e.g. `/abs/model.gguf` or `./model.gguf`"]],
  ["s3://bucket/x", ["error MS4101 1-6 unknown reference scheme `s3://` | known schemes: ollama://, hf://, https://, http://, oci://, testmodel://, project://"]],
  // Ollama names
  ["llama3:8b!", ["error MS4103 10-11 invalid character `!` in the tag `8b!`"]],
  ["llama3:", ["error MS4103 8-8 the tag is empty"]],
  ["llama3+Q4_0", ["error MS4103 7-8 invalid character `+` in the model name `llama3+Q4_0` | Ollama's `+build` suffix is not supported; name the quantized tag instead"]],
  ["a:b:c", ["error MS4103 4-5 invalid character `:` in the tag `b:c` | a name has one `:`, before its tag"]],
  ["a..b", ["error MS4103 2-4 `..` in the model name `a..b`"]],
  ["-x", ["error MS4103 1-2 invalid character `-` in the model name `-x`"]],
  ["a/b/c/d", ["error MS4103 6-8 too many `/`-separated parts in `a/b/c/d` | an Ollama name is `[host/][namespace/]model[:tag]`"]],
  ["example.com/llama3", ["error MS4103 8-9 invalid character `.` in the namespace `example.com` | a registry host needs a namespace too: `host/namespace/model[:tag]`"]],
  ["localhost:5000/m", ["error MS4103 10-11 invalid character `:` in the namespace `localhost:5000` | a registry host needs a namespace too: `host/namespace/model[:tag]`"]],
  ["ex_ample.com/ns/m", ["error MS4103 1-9 invalid registry host `ex_ample.com` | a host is DNS labels of letters, digits and `-`, joined by `.`, with an optional `:port`"]],
  ["host:99999/ns/m", ["error MS4103 6-11 invalid port `99999` in registry host | a port is a number from 1 to 65535"]],
  ["ns//m", ["error MS4103 4-4 the namespace is empty"]],
  ["ollama://", ["error MS4103 10-10 the model name is empty"]],
  [`x${"y".repeat(128)}`, ["error MS4103 129-130 the model name is longer than 128 characters"]],
  ["model.gguf", ["error MS4115 1-11 `model.gguf` looks like a file but is read as an Ollama model name | write `./model.gguf` for a file next to the Modelfile"]],
  ["models/x.GGUF", ["error MS4115 1-14 `models/x.GGUF` looks like a file but is read as an Ollama model name | write `./models/x.GGUF` for a file next to the Modelfile"]],
  // Hugging Face
  ["hf://org/model.gguf", ["error MS4104 6-20 `hf://org/model.gguf` names a file but no repository | write `hf://<org>/<repo>[@revision]` for a whole repository, or `hf://<org>/<repo>/<path of the file>[@revision]` for one file"]],
  ["hf://org/repo/", ["error MS4104 6-15 `hf://org/repo/` names no file in the repository | write `hf://<org>/<repo>/<path of the file>[@revision]`"]],
  ["hf://org/repo@", ["error MS4104 15-15 the revision is empty | a revision is a branch, tag or commit sha, e.g. `main` or `refs/pr/1`"]],
  ["hf://org", ["error MS4104 6-9 `hf://org` names no repository | write `hf://<org>/<repo>[@revision]` for a whole repository, or `hf://<org>/<repo>/<path of the file>[@revision]` for one file"]],
  ["hf://-org/repo/m.gguf", ["error MS4104 6-10 invalid organization name `-org` | names are letters, digits, `.`, `_` and `-`, at most 96, not starting or ending with `.` or `-`"]],
  ["hf://org/re--po/m.gguf", ["error MS4104 10-16 invalid repository name `re--po` | names are letters, digits, `.`, `_` and `-`, at most 96, not starting or ending with `.` or `-`"]],
  ["hf://org/repo/a/../m.gguf", ["error MS4104 17-19 invalid file path `a/../m.gguf`: empty, `.` or `..` segment | write `hf://<org>/<repo>/<path of the file>[@revision]`"]],
  ["hf://org/repo/m.gguf?x", ["error MS4104 21-22 invalid character `?` in the file path `m.gguf?x` | write `hf://<org>/<repo>/<path of the file>[@revision]`"]],
  ["hf://org/repo/m.gguf@", ["error MS4104 22-22 the revision is empty | a revision is a branch, tag or commit sha, e.g. `main` or `refs/pr/1`"]],
  ["hf://org/repo/m.gguf@a..b", ["error MS4104 22-26 invalid revision `a..b` | a revision is a branch, tag or commit sha, e.g. `main` or `refs/pr/1`"]],
  // URLs
  ["https://", ["error MS4105 1-9 `https://` is not a valid URL"]],
  ["https://user:pw@example.com/x.gguf", ["error MS4105 9-17 a reference may not carry credentials | remove `user:password@`; they would be written to models.lock"]],
  ["https://example.com/x.gguf#main", ["error MS4105 27-32 unsupported URL fragment `#main` | the only fragment a reference may carry is `#sha256=<64 hex digits>`"]],
  ["https://example.com/x.gguf#sha256=abc", ["error MS4102 28-38 invalid digest: sha256 has 64 hex digits, this one has 3 | write `#sha256=<64 hex digits>`"]],
  ["http://example.com/x.gguf", ["error MS4106 1-19 plain http is not allowed for example.com | use https://; http:// is accepted only for localhost and 127.0.0.0/8"]],
  ["http://127.0.0.256/x.gguf", ["error MS4105 1-26 `http://127.0.0.256/x.gguf` is not a valid URL"]],
  ["http://10.0.0.1:8080/x", ["error MS4106 1-21 plain http is not allowed for 10.0.0.1 | use https://; http:// is accepted only for localhost and 127.0.0.0/8"]],
  // OCI
  ["oci://ghcr.io", ["error MS4107 7-14 `oci://ghcr.io` names no repository | write `oci://host[:port]/repository[:tag]`"]],
  ["oci://ghcr.io/Org/m", ["error MS4107 15-18 invalid repository component `Org` | repository names are lower-case"]],
  ["oci://ghcr.io/a//b", ["error MS4107 17-17 empty path component in the repository | a repository is `/`-separated components of [a-z0-9] joined by `.`, `_`, `__` or `-`"]],
  ["oci://ghcr.io/a:.t", ["error MS4107 17-18 invalid character `.` in the tag `.t`"]],
  ["oci://gh cr.io/a", ["error MS4118 9-10 whitespace in reference | only local paths may contain spaces"]],
  // test models
  ["testmodel://oracel", ["error MS4108 13-19 unknown test model `oracel` | did you mean `oracle`?"]],
  ["testmodel://", ["error MS4108 13-13 unknown test model `` | known test models: oracle, random, lora"]],
  ["testmodel://random?emdb=512", ["error MS4109 20-24 unknown parameter `emdb` of testmodel://random | did you mean `embd`?"]],
  ["testmodel://oracle?seed=1", ["error MS4109 20-24 unknown parameter `seed` of testmodel://oracle | known parameters: text, eos, layers, ff, ctx, type"]],
  ["testmodel://random?layers=two", ["error MS4109 27-30 parameter `layers`: `two` is not a whole number"]],
  ["testmodel://random?layers=0", ["error MS4109 27-28 parameter `layers`: 0 is out of range | use 1 to 128"]],
  ["testmodel://random?vocab=100", ["error MS4109 26-29 parameter `vocab`: 100 is out of range | use 260 to 262144"]],
  ["testmodel://random?type=q4_0", ["error MS4109 25-29 parameter `type`: `q4_0` is not a tensor type | use `f32` or `f16`"]],
  ["testmodel://random?seed=1&seed=2", ["error MS4109 27-33 parameter `seed` given twice"]],
  ["testmodel://random?seed", ["error MS4109 20-24 parameter `seed` has no value | write `seed=<value>`"]],
  ["testmodel://random?&seed=1", ["error MS4109 20-20 empty test model parameter | known parameters: embd, layers, heads, kv, ff, vocab, ctx, seed, type"]],
  ["testmodel://oracle?eos=yes", ["error MS4109 24-27 parameter `eos`: `yes` is not a boolean | use `true` or `false`"]],
  ["testmodel://oracle?text=%E0", ["error MS4109 25-28 parameter `text`: invalid percent-encoding"]],
  ["testmodel://random?heads=3", ["error MS4110 13-27 testmodel://random: embd 256 is not a multiple of heads 3"]],
  ["testmodel://random?heads=4&kv=3", ["error MS4110 13-32 testmodel://random: heads 4 is not a multiple of kv 3"]],
  ["testmodel://random?embd=12&heads=4", ["error MS4110 13-35 testmodel://random: head size 3 (embd / heads) must be even"]],
  ["testmodel://oracle?text=a+a", ['error MS4110 13-28 testmodel://oracle: oracle text "a a": every word must be distinct (the oracle\'s next token depends on the last token only)']],
  // paths
  ["~bob/x.gguf", ["error MS4116 1-5 `~bob` is not supported | write `~/…` for your home directory, or a full path"]],
  ["./", ["error MS4116 1-3 `./` does not name a file or folder | point FROM at a .gguf file or a checkpoint folder, e.g. `./model.gguf` or `./ckpt`"]],
  ["/", ["error MS4116 1-2 `/` does not name a file or folder | point FROM at a .gguf file or a checkpoint folder, e.g. `./model.gguf` or `./ckpt`"]],
  ["./a/../", ["error MS4116 1-8 `./a/../` does not name a file or folder | point FROM at a .gguf file or a checkpoint folder, e.g. `./model.gguf` or `./ckpt`"]],
  ["./a/..", ["error MS4116 1-7 `./a/..` does not name a file or folder | point FROM at a .gguf file or a checkpoint folder, e.g. `./model.gguf` or `./ckpt`"]],
  ["~", ["error MS4116 1-2 `~` does not name a file or folder | point FROM at a .gguf file or a checkpoint folder, e.g. `./model.gguf` or `./ckpt`"]],
  ["./@sha256-./.", ["error MS4116 1-14 `./@sha256-./.` ends in what reads as a pin once normalized | rename the file, or write the path without `.` and `..` segments"]],
  ["..", ["error MS4116 1-3 `..` does not name a file or folder | point FROM at a .gguf file or a checkpoint folder, e.g. `./model.gguf` or `./ckpt`"]],
  // project models and aliases
  ["project://chta", ["error MS4111 11-15 `chta` is not a model of this project | did you mean `chat`?"]],
  ["project://Chat", ["error MS4119 11-15 invalid project model name `Chat` | write `project://<model>[:<variant tag>]`"]],
  ["chat:q4 k", ["error MS4118 8-9 whitespace in reference | only local paths may contain spaces"]],
  ["chat:", ["error MS4119 6-6 the variant tag is empty | a tag is letters, digits, `_`, `.` and `-`, starting with a letter, digit or `_`"]],
  ["hf://org/repo/a//m.gguf", ["error MS4104 17-17 invalid file path `a//m.gguf`: empty, `.` or `..` segment | write `hf://<org>/<repo>/<path of the file>[@revision]`"]],
  ["ns.x:/ns/m", ["error MS4103 6-6 invalid port `` in registry host | a port is a number from 1 to 65535"]],
  ["chat:-q4", ["error MS4119 6-9 invalid variant tag `-q4` | a tag is letters, digits, `_`, `.` and `-`, starting with a letter, digit or `_`"]],
  ["a", ["error MS4112 1-2 alias cycle: `a` -> `b` -> `c` -> `a`"]],
  ["bad", ["error MS4113 1-4 alias `bad` -> `hf://org/repo/` is not a valid reference: `hf://org/repo/` names no file in the repository | write `hf://<org>/<repo>/<path of the file>[@revision]`"]],
  [`pinned@sha256:${B}`, [`error MS4114 1-79 two different pins: sha256:${A} and sha256:${B} | pin a reference once, with the digest of the bytes you mean`]],
];

describe("parseReference: errors with code, columns and hint", () => {
  for (const [text, expected] of INVALID) {
    it(JSON.stringify(text), () => {
      assert.deepEqual(summary(text), expected);
      assert.equal(parseReference(text, ctx).reference, undefined);
    });
  }
});

describe("parseReference: short names", () => {
  it("warns when a library name is one edit from an alias or project model, and still resolves it", () => {
    const r = parseReference("chta", ctx);
    assert.deepEqual(r.reference, { kind: "ollama", host: "registry.ollama.ai", namespace: "library", model: "chta", tag: "latest" });
    assert.deepEqual(summary("chta"), [
      "warning MS4117 1-5 `chta` is neither an alias nor a model of this project; it names the Ollama library model `ollama://registry.ollama.ai/library/chta:latest` | did you mean `chat`?",
    ]);
    assert.deepEqual(summary("chta:q4"), [
      "warning MS4117 1-8 `chta:q4` is neither an alias nor a model of this project; it names the Ollama library model `ollama://registry.ollama.ai/library/chta:q4` | did you mean `chat`?",
    ]);
    assert.deepEqual(summary("llama3:7b"), [
      "warning MS4117 1-10 `llama3:7b` is neither an alias nor a model of this project; it names the Ollama library model `ollama://registry.ollama.ai/library/llama3:7b` | did you mean `llama3:8b`?",
    ]);
    assert.deepEqual(summary("mistral"), []);
    assert.deepEqual(summary("ns/chta"), [], "a namespaced name is plainly a registry name");
  });

  it("relays an alias target's warning at the alias name", () => {
    assert.deepEqual(summary("typo"), [
      "warning MS4117 1-5 alias `typo` -> `chta`: `chta` is neither an alias nor a model of this project; it names the Ollama library model `ollama://registry.ollama.ai/library/chta:latest` | did you mean `chat`?",
    ]);
    assert.deepEqual(parseReference("typo", ctx).via, ["typo"]);
  });

  it("project models shadow library names; the scheme still reaches the library", () => {
    assert.equal(parseReference("chat", ctx).reference?.kind, "project");
    assert.equal(parseReference("ollama://chat", ctx).reference?.kind, "ollama");
    assert.equal(parseReference("chat", {}).reference?.kind, "ollama");
  });

  it("aliases win over project models, and apply only to short names", () => {
    const c: ReferenceContext = { aliases: { chat: "./x.gguf", "./y.gguf": "llama3", "ollama://z": "llama3" }, projectModels: ["chat"] };
    assert.deepEqual(parseReference("chat", c).reference, { kind: "file", path: "./x.gguf" });
    assert.deepEqual(parseReference("./y.gguf", c).reference, { kind: "file", path: "./y.gguf" });
    assert.equal(parseReference("ollama://z", c).reference?.kind, "ollama");
    assert.equal((parseReference("ollama://z", c).reference as { model: string }).model, "z");
  });

  it("a self-referencing alias is a cycle", () => {
    assert.deepEqual(summary("me", { aliases: { me: "me" } }), ["error MS4112 1-3 alias cycle: `me` -> `me`"]);
  });

  it("an error deep in an alias chain is reported once, at the name written", () => {
    assert.deepEqual(summary("x", { aliases: { x: "y", y: "z", z: "hf://org" } }), [
      "error MS4113 1-2 alias `x` -> `y` -> `z` -> `hf://org` is not a valid reference: `hf://org` names no repository | write `hf://<org>/<repo>[@revision]` for a whole repository, or `hf://<org>/<repo>/<path of the file>[@revision]` for one file",
    ]);
  });
});

describe("parseReference: placing diagnostics", () => {
  it("shifts ranges to the origin and names the file", () => {
    const r = parseReference("llama3:8b!", { origin: { line: 3, column: 6, offset: 40 }, file: "Modelfile" });
    assert.deepEqual(r.diagnostics, [
      {
        code: "MS4103",
        severity: "error",
        message: "invalid character `!` in the tag `8b!`",
        file: "Modelfile",
        range: { start: { line: 3, column: 15, offset: 49 }, end: { line: 3, column: 16, offset: 50 } },
      },
    ]);
  });
});
