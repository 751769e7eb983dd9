import { defineCodes } from "../diagnostics/registry.js";

/** Diagnostics of Hugging Face and plain-download sources (MS5640–MS5669). */
export const HF_CODES = defineCodes({
  MS5640: {
    title: "HF_ENDPOINT is not a usable URL",
    example: "HF_ENDPOINT=http://hub.example.com modelsmith build",
    fix: "Set HF_ENDPOINT to an https:// URL (http:// only for localhost and 127.0.0.0/8), or unset it for https://huggingface.co.",
  },
  MS5641: {
    title: "the Hugging Face repository needs credentials",
    example: "FROM hf://meta-llama/Llama-3.1-8B/model.gguf   (gated or private, and no HF_TOKEN)",
    fix: "Accept the repository's conditions on the Hub, then set HF_TOKEN to an access token that can read it.",
  },
  MS5642: {
    title: "Hugging Face repository not found",
    example: "FROM hf://org/no-such-repo/model.gguf",
    fix: "Check the organization and repository names (hf://<org>/<repo>/<file>); a private repository also needs HF_TOKEN.",
  },
  MS5643: {
    title: "revision not found in the Hugging Face repository",
    example: "FROM hf://org/repo/model.gguf@no-such-branch",
    fix: "Name a branch, tag or commit sha that exists in the repository (default: main).",
  },
  MS5644: {
    title: "file not found in the Hugging Face repository",
    example: "FROM hf://org/repo/model-Q4_K_M.gguf   (the repository holds model.Q4_K_M.gguf)",
    fix: "Check the file's path in the repository's Files tab; paths are case-sensitive.",
  },
  MS5645: {
    title: "the Hugging Face Hub did not answer as expected",
    example: "the Hub answered 503, or could not be reached",
    fix: "Check the network and HF_ENDPOINT, then run again.",
  },
  MS5646: {
    title: "the downloaded file is not a GGUF model",
    example: "FROM https://example.com/model.safetensors",
    fix: "Point the reference at a .gguf file; convert other formats with llama.cpp's convert_hf_to_gguf.py first. Nothing was stored.",
  },
});
