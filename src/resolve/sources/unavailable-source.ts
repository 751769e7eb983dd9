import { error } from "../../diagnostics/diagnostic.js";
import { EnvironmentError } from "../../diagnostics/errors.js";
import { formatReference } from "../format-reference.js";
import type { HfReference, HfRepoReference, OciReference, OllamaReference, UrlReference } from "../reference-types.js";
import type { Source } from "./pin.js";

type NetworkReference = OllamaReference | HfReference | HfRepoReference | UrlReference | OciReference;

const WHAT: Record<NetworkReference["kind"], string> = { ollama: "Ollama registry", hf: "Hugging Face", hfrepo: "Hugging Face", url: "download", oci: "OCI registry" };

/**
 * Sources that need the network (Ollama and OCI registries, Hugging Face,
 * plain downloads). Not available in this version: resolving one is an
 * EnvironmentError MS5202 at its FROM line (MS5203 under --offline, which
 * refuses them whatever the version).
 */
export const unavailableSource: Source<NetworkReference> = {
  async resolve(ref, ctx) {
    const text = formatReference(ref);
    if (ctx.offline) {
      throw new EnvironmentError(error("MS5203", `${text} needs the network, and --offline refuses it`, { ...ctx.at, hint: "build without --offline, or point FROM at a local .gguf file" }));
    }
    throw new EnvironmentError(
      error("MS5202", `${WHAT[ref.kind]} sources are not available yet: cannot fetch ${text}`, {
        ...ctx.at,
        hint: "download the GGUF yourself and write its path in FROM, or map the name to a path under `aliases:` in modelsmith.yaml",
      }),
    );
  },
  async fetch(pin, ctx) {
    throw new EnvironmentError(error("MS5202", `cannot fetch ${pin.source}: network sources are not available yet`, ctx.at));
  },
};
