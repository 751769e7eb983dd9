/** Artifact layouts other tools read (ModelPack, Docker Model Runner) and provenance referrers. */
import { error } from "../../diagnostics/diagnostic.js";
import { InputError } from "../../diagnostics/errors.js";
import { didYouMean } from "../../diagnostics/suggest.js";
import { PUSH_FORMATS, type PushFormat } from "./convert.js";

export { artifactFor, ollamaView, PUSH_FORMATS, type PushFormat } from "./convert.js";

/** `--format`: one of PUSH_FORMATS, else InputError MS5750. */
export function parsePushFormat(text: string): PushFormat {
  if ((PUSH_FORMATS as readonly string[]).includes(text)) return text as PushFormat;
  throw new InputError(error("MS5750", `unknown push format \`${text}\``, { hint: didYouMean(text, PUSH_FORMATS) ?? `use one of ${PUSH_FORMATS.join(", ")}` }));
}
