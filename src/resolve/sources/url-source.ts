import type { UrlReference } from "../reference-types.js";
import type { Source } from "./pin.js";
import { unavailableSource } from "./unavailable-source.js";

/** A plain download (`https://…/x.gguf[#sha256=…]`). Placeholder: not available yet. */
export const urlSource: Source<UrlReference> = unavailableSource;
