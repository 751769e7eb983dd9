import { error } from "../diagnostics/diagnostic.js";
import { InputError } from "../diagnostics/errors.js";
import { parseReference } from "../resolve/reference.js";
import { isRegistryReference, type RegistryReference } from "./remote.js";

/**
 * A command-line registry reference (`pull <ref>`, `push <model> <ref>`):
 * an Ollama name (`llama3:8b`, `ollama://host/ns/model:tag`) or
 * `oci://host/repository[:tag][@sha256:…]`. Parse errors are InputError
 * (MS41xx); any other kind of reference is InputError MS5615.
 */
export function parseRegistryArgument(text: string, role: string): RegistryReference {
  const parsed = parseReference(text);
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0 || !parsed.reference) throw new InputError(errors.length ? errors : error("MS5615", `cannot read ${JSON.stringify(text)} as a reference`));
  if (!isRegistryReference(parsed.reference)) {
    throw new InputError(error("MS5615", `${role} takes a registry reference, not ${parsed.reference.kind === "file" ? "a local file" : `a ${parsed.reference.kind} reference`} (${JSON.stringify(text)})`, { hint: "write `ollama://host/namespace/model:tag`, `namespace/model:tag` or `oci://host/repository:tag`" }));
  }
  return parsed.reference;
}
