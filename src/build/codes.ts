import { defineCodes } from "../diagnostics/registry.js";

/**
 * Diagnostics of `build` and `lock` (the build graph, sources, executor):
 * MS5200–MS5299 of the store/build range (MS51xx is the store's, MS55xx
 * quantization's).
 */
export const BUILD_CODES = defineCodes({
  MS5201: {
    title: "build dependency cycle",
    example: "models a and b with `FROM b` and `FROM a`",
    fix: "A model cannot be built from itself, directly or through other project models; point one FROM of the cycle at a base model.",
  },
  MS5202: {
    title: "source not available yet",
    example: "FROM hf://org/repo/model.gguf   (this version builds local files, test models and project models only)",
    fix: "Download the GGUF yourself and write its path in FROM (or map the name to a path under `aliases:`); registry, Hugging Face and URL sources come in a later version.",
  },
  MS5203: {
    title: "network source refused by --offline",
    example: "modelsmith build --offline   with FROM llama3:8b",
    fix: "Build without --offline, or point FROM at a local file or a test model.",
  },
  MS5204: {
    title: "short name is neither an alias nor a project model",
    example: "FROM lama3:8b   # with an alias llama3:8b",
    fix: "Fix the spelling (the hint names the closest alias or model), add the name under `aliases:`, or write `ollama://…` to mean the Ollama library.",
  },
  MS5205: {
    title: "pinned digest does not match",
    example: "FROM ./model.gguf@sha256:<digest of an older file>",
    fix: "The bytes changed since the pin was written: pin the new digest, or restore the file the pin names.",
  },
  MS5206: {
    title: "unknown variant of a project model",
    example: "FROM chat:q5_k_m   # when chat is quantized to Q4_K_M only",
    fix: "Name a variant the model builds (its `quantize:` types in lower case, or `latest`), or add the type to its `quantize:` list.",
  },
  MS5208: {
    title: "unknown model on the command line",
    example: "modelsmith build chta",
    fix: "Name models listed under `models:` in modelsmith.yaml; the hint names the closest one.",
  },
  MS5210: {
    title: "local base file changed since models.lock",
    example: "FROM ./model.gguf   after model.gguf was replaced or rewritten",
    fix: "Nothing to do if the change was meant: the build re-hashed the file and built from its new bytes; commit the new models.lock. Pin the file (`FROM ./model.gguf@sha256:…`) to make such a change an error instead.",
  },
  MS5209: {
    title: "cannot read a file a Modelfile names",
    example: "FORMAT ./schema.json   (a file that cannot be read)",
    fix: "Check that the path exists relative to the Modelfile and can be read.",
  },
  MS5270: {
    title: "no Modelfile to create from",
    example: "modelsmith create sophia   # in a directory without ./Modelfile",
    fix: "Name the Modelfile with `-f <path>`, or run `create` in the directory that holds ./Modelfile.",
  },
  MS5271: {
    title: "a later FROM is not a vision projector",
    example: "FROM ./model.gguf\nFROM ./other-model.gguf",
    fix: "Keep one base model per Modelfile. A later FROM names a vision projector GGUF (general.architecture `clip`, or general.type `projector`), as `ollama show --modelfile` prints one for a multimodal model.",
  },
  MS5285: {
    title: "ADAPTER is not a LoRA adapter",
    example: "ADAPTER ./model.gguf   # a model GGUF (general.type `model`), not an adapter",
    fix: "ADAPTER takes a LoRA adapter GGUF (general.type `adapter`, adapter.type `lora`), as llama.cpp's convert_lora_to_gguf.py writes it; a model goes on the FROM line.",
  },
  MS5286: {
    title: "ADAPTER was made for another model",
    example: "FROM testmodel://random\nADAPTER testmodel://lora   # a LoRA for the oracle",
    fix: "Use the adapter with the model it was trained on: the same architecture, tensor names and shapes. The message names the first tensors that do not fit.",
  },
});

export type BuildCode = keyof typeof BUILD_CODES;
