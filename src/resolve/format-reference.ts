import type { Reference } from "./reference-types.js";
import { formatTestModelParams, LORA_PARAM_KEYS, ORACLE_PARAM_KEYS, RANDOM_PARAM_KEYS } from "./testmodel-ref.js";

/**
 * The canonical text of a reference: its scheme and every default written out,
 * so that it names the same thing whatever aliases or project models exist, and
 * `parseReference(formatReference(r))` gives `r` back. It is the key of the
 * reference in models.lock.
 *
 *     file       ./models/x.gguf            /abs/x.gguf            ~/x.gguf
 *     ollama     ollama://registry.ollama.ai/library/llama3:8b
 *     hf         hf://org/repo/path/file.gguf@main
 *     hfrepo     hf://org/repo@main
 *     url        https://example.com/x.gguf#sha256=<hex>
 *     oci        oci://ghcr.io/org/model:v1      oci://ghcr.io/org/model@sha256:<hex>
 *     project    project://chat              project://chat:q4_k_m
 *     testmodel  testmodel://random?embd=256&layers=2&…&type=f32
 *
 * A pin is appended as `@sha256:<hex>`, except on a URL, where it is the
 * `#sha256=<hex>` fragment.
 */
export function formatReference(r: Reference): string {
  const pin = r.digest === undefined ? "" : `@${r.digest}`;
  switch (r.kind) {
    case "file":
      return r.path + pin;
    case "ollama":
      return `ollama://${r.host}/${r.namespace}/${r.model}:${r.tag}${pin}`;
    case "hf":
      return `hf://${r.org}/${r.repo}/${r.file}@${r.revision}${pin}`;
    case "hfrepo":
      return `hf://${r.org}/${r.repo}@${r.revision}${pin}`;
    case "url":
      return r.digest === undefined ? r.url : `${r.url}#sha256=${r.digest.slice("sha256:".length)}`;
    case "oci":
      return `oci://${r.host}/${r.repository}${r.tag === undefined ? "" : `:${r.tag}`}${pin}`;
    case "project":
      return `project://${r.model}${r.tag === undefined ? "" : `:${r.tag}`}${pin}`;
    case "testmodel": {
      const query =
        r.generator === "random"
          ? formatTestModelParams(r.params, RANDOM_PARAM_KEYS)
          : r.generator === "lora"
            ? formatTestModelParams(r.params, LORA_PARAM_KEYS)
            : formatTestModelParams(r.params, ORACLE_PARAM_KEYS);
      return `testmodel://${r.generator}?${query}${pin}`;
    }
  }
}
