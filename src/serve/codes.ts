import { defineCodes } from "../diagnostics/registry.js";

/** Diagnostics of `modelsmith serve`. */
export const SERVE_CODES = defineCodes({
  MS8701: {
    title: "cannot listen",
    example: "modelsmith serve --port 11434   (another server already listens there)",
    fix: "Stop the other server, or pick another port with --port (0 picks a free one).",
  },
});
