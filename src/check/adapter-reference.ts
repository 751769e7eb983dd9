import path from "node:path";
import { error, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import { parseReference } from "../resolve/reference.js";
import type { FileReference, Reference, TestModelReference } from "../resolve/reference-types.js";

/** What an ADAPTER line names: a local GGUF file or a generated LoRA for the oracle. */
export type AdapterReference = FileReference | (TestModelReference & { generator: "lora" });

type At = { file: string; range: SourceRange };

/**
 * An ADAPTER value: a path (relative to the Modelfile; `./` added when bare),
 * or `testmodel://lora?…`. Any other reference is MS4185 at the line: Ollama's
 * ADAPTER takes a local file, and a model reference names a model, not an adapter.
 */
export function parseAdapterReference(text: string, at: At): { ref?: AdapterReference; diagnostics: Diagnostic[] } {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) return { ref: localRef(text), diagnostics: [] };
  const parsed = parseReference(text, { origin: at.range.start, file: at.file });
  const ref = parsed.reference;
  if (ref?.kind === "testmodel" && ref.generator === "lora") return { ref: ref as AdapterReference, diagnostics: parsed.diagnostics };
  if (!ref) return { diagnostics: parsed.diagnostics };
  const hint = "write the path of a LoRA GGUF (relative to the Modelfile), or `testmodel://lora` to try ADAPTER with a generated one";
  return { diagnostics: [...parsed.diagnostics, error("MS4185", `ADAPTER takes a LoRA adapter file, not \`${text}\``, { ...at, hint })] };
}

/** MS4185 when FROM names `testmodel://lora` (an adapter, not a model). */
export function adapterOnFrom(ref: Reference | undefined, at: At): Diagnostic | undefined {
  if (ref?.kind !== "testmodel" || ref.generator !== "lora") return undefined;
  return error("MS4185", "testmodel://lora is a LoRA adapter, not a model", { ...at, hint: "build FROM testmodel://oracle and put testmodel://lora on an ADAPTER line" });
}

function localRef(p: string): FileReference {
  const normalized = path.posix.normalize(p);
  return { kind: "file", path: /^(?:\.\.?\/|\/|~\/)/.test(p) ? (p.startsWith("./") ? `./${normalized}` : normalized) : `./${normalized}` };
}
