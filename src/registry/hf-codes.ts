import { defineCodes } from "../diagnostics/registry.js";

/** Diagnostics of Hugging Face and plain-download sources (MS5640–MS5669). */
export const HF_CODES = defineCodes({});
