import type { CodeTable } from "../diagnostics/registry.js";
import { CLI_CODES } from "./codes.js";
import { PROJECT_CODES } from "../project/codes.js";

/** Every diagnostic code of every domain, for docs/errors.md and its test. */
export const ALL_CODES: CodeTable = {
  ...CLI_CODES,
  ...PROJECT_CODES,
};
