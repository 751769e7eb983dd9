import type { HfReference } from "../reference-types.js";
import type { Source } from "./pin.js";
import { unavailableSource } from "./unavailable-source.js";

/** One file of a Hugging Face repository (`hf://org/repo/file.gguf@rev`). Placeholder: not available yet. */
export const hfSource: Source<HfReference> = unavailableSource;
