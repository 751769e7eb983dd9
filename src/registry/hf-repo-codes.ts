import { defineCodes } from "../diagnostics/registry.js";

/** Diagnostics of whole Hugging Face repositories as a base, `hf://org/repo[@revision]` (MS4400–MS4449). */
export const HF_REPO_CODES = defineCodes({
  MS4400: {
    title: "invalid files of a Hugging Face repository in models.lock",
    example: "models.lock:\n  hf://org/repo@main:\n    digest: sha256:…   (no `files:`, or files whose index has another digest)",
    fix: "models.lock is written by modelsmith: regenerate it with `modelsmith lock --update hf://org/repo`.",
  },
  MS4401: {
    title: "the Hugging Face repository holds no model",
    example: "FROM hf://org/datasets-notes   (no config.json with model.safetensors, no .gguf file)",
    fix: "Point FROM at a model repository (a safetensors checkpoint or a GGUF file), or at one file in it: `hf://<org>/<repo>/<file>.gguf`.",
  },
  MS4402: {
    title: "the Hugging Face repository holds several GGUF files",
    example: "FROM hf://TheBloke/Llama-2-7B-GGUF   (one .gguf per quantization)",
    fix: "Name the file you mean: `FROM hf://<org>/<repo>/<file>.gguf`.",
  },
  MS4403: {
    title: "the safetensors checkpoint is incomplete",
    example: "FROM hf://org/repo   (config.json without model.safetensors, no tokenizer, or an index naming a missing shard)",
    fix: "Use a repository or revision with config.json, model.safetensors (or model.safetensors.index.json and its shards) and tokenizer.json or tokenizer.model.",
  },
  MS4404: {
    title: "the Hub's file listing is unusable",
    example: "the tree API answered a file without a size, an LFS file without a sha256, or a path with `..`",
    fix: "Check HF_ENDPOINT: it must be a Hugging Face Hub; run again later.",
  },
  MS4406: {
    title: "a checkpoint file is missing or corrupt in the store",
    example: "a blob of a fetched checkpoint removed or changed while the build ran",
    fix: "Run the build again: it fetches the file afresh (without --offline).",
  },
});
