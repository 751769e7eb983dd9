import { defineCodes } from "../diagnostics/registry.js";

/**
 * Diagnostics of references (what FROM and `pull` accept): MS4100–MS4149.
 * Every one carries a range into the reference text (see parseReference).
 */
export const RESOLVE_CODES = defineCodes({
  MS4100: {
    title: "empty reference",
    example: 'FROM ""',
    fix: "Name a base model: a short name (`llama3:8b`), a path (`./model.gguf`) or a URL-style reference (`hf://…`, `ollama://…`).",
  },
  MS4101: {
    title: "unknown reference scheme",
    example: "FROM htps://example.com/model.gguf",
    fix: "Use one of the schemes modelsmith knows: ollama://, hf://, https://, oci://, testmodel://, project://; the hint names the closest one.",
  },
  MS4102: {
    title: "invalid digest",
    example: "FROM llama3:8b@sha256:1234",
    fix: "A pin is `@sha256:` followed by exactly 64 hexadecimal digits (`#sha256=<64 hex>` on a URL).",
  },
  MS4103: {
    title: "invalid Ollama model name",
    example: "FROM llama3:8b!",
    fix: "An Ollama name is `[host/][namespace/]model[:tag]` of letters, digits, `_`, `-` and `.` (no `.` in the namespace).",
  },
  MS4104: {
    title: "invalid Hugging Face reference",
    example: "FROM hf://TheBloke/model.gguf",
    fix: "Write `hf://<org>/<repo>[@revision]` for a whole repository, or `hf://<org>/<repo>/<path of the file in the repo>[@revision]` for one file.",
  },
  MS4105: {
    title: "invalid URL",
    example: "FROM https://user:secret@example.com/model.gguf",
    fix: "Give a plain https URL without credentials; the only fragment allowed is `#sha256=<64 hex>`.",
  },
  MS4106: {
    title: "insecure http URL",
    example: "FROM http://example.com/model.gguf",
    fix: "Use https://; plain http:// is accepted only for localhost and 127.0.0.0/8 (a local test server).",
  },
  MS4107: {
    title: "invalid OCI reference",
    example: "FROM oci://ghcr.io/Org/Model:v1",
    fix: "Write `oci://host[:port]/repository[:tag][@sha256:<64 hex>]` with a lower-case repository path.",
  },
  MS4108: {
    title: "unknown test model generator",
    example: "FROM testmodel://oracel",
    fix: "modelsmith generates `testmodel://oracle`, `testmodel://random?…` and the adapter `testmodel://lora?…`.",
  },
  MS4109: {
    title: "invalid test model parameter",
    example: "FROM testmodel://random?layers=two",
    fix: "Use the parameters the generator knows (the hint lists them), each once, with a value in range.",
  },
  MS4110: {
    title: "test model shape is not valid",
    example: "FROM testmodel://random?embd=256&heads=3",
    fix: "Pick dimensions llama.cpp accepts: embd a multiple of heads, heads a multiple of kv, an even head size.",
  },
  MS4111: {
    title: "unknown project model",
    example: "FROM project://chta",
    fix: "Name a model listed under `models:` in modelsmith.yaml; the hint names the closest one.",
  },
  MS4112: {
    title: "alias cycle",
    example: "aliases:\n  a: b\n  b: a",
    fix: "Point one alias of the cycle at a full reference.",
  },
  MS4113: {
    title: "alias target is not a valid reference",
    example: "aliases:\n  base: hf://org/repo",
    fix: "Fix the alias in modelsmith.yaml; the message says what is wrong with its target.",
  },
  MS4114: {
    title: "conflicting pins",
    example: "FROM https://example.com/m.gguf#sha256=<a>@sha256:<b>",
    fix: "Pin a reference once, or make both pins the same digest.",
  },
  MS4115: {
    title: "bare file name with no such file",
    example: "FROM missing.gguf",
    fix: "A bare name that is a file beside the Modelfile is read as that file, as Ollama reads it; otherwise it is an Ollama model name, which never ends in .gguf. Check the file name, or write its path (`./model.gguf`, `/abs/model.gguf`).",
  },
  MS4116: {
    title: "invalid path",
    example: "FROM ~alice/model.gguf",
    fix: "Use `./`, `../`, `/` or `~/` paths; `~user/` is not expanded, and a path needs a file or folder name (`./ckpt/` is `./ckpt`).",
  },
  MS4117: {
    title: "short name resolves to the Ollama library",
    example: "FROM chta   # with a project model `chat`",
    fix: "A short name that is neither an alias nor a project model is pulled from the Ollama library; fix the spelling if you meant the alias or model the hint names.",
  },
  MS4118: {
    title: "whitespace or control character in a reference",
    example: 'FROM "llama3 :8b"',
    fix: "Remove the whitespace; only local paths may contain spaces.",
  },
  MS4119: {
    title: "invalid project model reference",
    example: "FROM project://chat:Q4 K",
    fix: "Write `project://<model>[:<variant tag>]`.",
  },
  MS4185: {
    title: "a model where an adapter belongs, or an adapter where a model belongs",
    example: "FROM testmodel://lora      ADAPTER llama3:8b",
    fix: "ADAPTER takes the path of a LoRA adapter GGUF (relative to the Modelfile) or `testmodel://lora?…`; FROM takes a model. Build FROM testmodel://oracle and put testmodel://lora on an ADAPTER line.",
  },
});

export type ResolveCode = keyof typeof RESOLVE_CODES;
