import { defineCodes } from "../diagnostics/registry.js";

/** Diagnostics of `/api/create` (create-api.ts): the uploaded `files` and `adapters` it cannot build from. */
export const CREATE_API_CODES = defineCodes({
  MS8110: {
    title: "not one model GGUF among the files",
    example: 'POST /api/create {"model": "m", "files": {"a.gguf": "sha256:…", "b.gguf": "sha256:…"}}   # two models',
    fix: "Send one model GGUF (or every part of one split GGUF), with its projector or adapter GGUFs beside it, or a safetensors checkpoint's files.",
  },
  MS8112: {
    title: "files of an unknown type",
    example: 'POST /api/create {"model": "m", "files": {"notes.txt": "sha256:…"}}',
    fix: "Send a GGUF file (its first bytes are GGUF), or a checkpoint: config.json, *.safetensors and the tokenizer files.",
  },
  MS8113: {
    title: "more than one adapter",
    example: 'POST /api/create {"model": "m", "from": "base", "adapters": {"a.gguf": "sha256:…", "b.gguf": "sha256:…"}}',
    fix: "Send one GGUF LoRA adapter per model (as Ollama's create), or stack them with several ADAPTER lines in a Modelfile and `modelsmith create`.",
  },
  MS8114: {
    title: "client hung up",
    example: "curl http://127.0.0.1:11434/api/create -d '{\"model\": \"m\", \"files\": {…}}'   (then Ctrl-C before it answers)",
    fix: "Nothing to fix: the create, pull or push was cancelled with its client, and nothing of it was stored; send the request again.",
  },
  MS8115: {
    title: "the parts of a split GGUF among the files are not a whole set",
    example: 'POST /api/create {"model": "m", "files": {"m-00001-of-00003.gguf": "sha256:…", "m-00002-of-00003.gguf": "sha256:…"}}   # no part 3',
    fix: "Send every part llama-gguf-split wrote, under the names it gave them (<name>-00001-of-0000N.gguf …); the parts are joined into one model layer, as Ollama's create joins them.",
  },
});
