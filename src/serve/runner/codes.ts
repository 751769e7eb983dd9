import { defineCodes } from "../../diagnostics/registry.js";

/** Diagnostics of serve's runner processes (src/serve/runner/). */
export const RUNNER_CODES = defineCodes({
  MS8200: {
    title: "llama runner process has terminated",
    example: "modelsmith serve broken   (llama.cpp aborts on the model while it loads: GGML_ASSERT(...) failed)",
    fix: "The runner process that loads the model died (llama.cpp aborted, a segfault, or the kernel killed it for memory); its last lines are in the message. Rebuild the model from its Modelfile (`modelsmith build` checks the GGUF for what llama.cpp aborts on), or free memory.",
  },
});
