import { defineCodes } from "../diagnostics/registry.js";

/** Diagnostics of network sources: downloads, the OCI distribution client, Hugging Face (MS56xx). */
export const REGISTRY_CODES = defineCodes({
  MS5601: {
    title: "download failed",
    example: "FROM https://example.com/model.gguf   (the server answered 404, or the connection dropped)",
    fix: "Check the reference and the network, then run again: a download resumes where it stopped.",
  },
  MS5602: {
    title: "downloaded bytes do not match the pin",
    example: "FROM https://example.com/model.gguf#sha256=<another file's digest>",
    fix: "The server sent other bytes than the pinned digest names; nothing was stored. Fix the pin, or the reference.",
  },
});
