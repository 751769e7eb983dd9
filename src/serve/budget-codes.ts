import { defineCodes } from "../diagnostics/registry.js";

/** Diagnostics of the pool's memory budget (`serve --max-memory`). */
export const MEMORY_BUDGET_CODES = defineCodes({
  MS8100: {
    title: "model larger than the memory budget",
    example: "modelsmith serve --max-memory 1GiB   (then a request for a 4 GiB model)",
    fix: "Raise --max-memory (or MODELSMITH_MAX_MEMORY), or serve a smaller quantization of the model.",
  },
  MS8101: {
    title: "bad memory size",
    example: "modelsmith serve --max-memory lots",
    fix: "Write a byte count with an optional unit: 8GiB, 512MiB, 2GB, 1073741824.",
  },
});
