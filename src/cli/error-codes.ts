import type { CodeTable } from "../diagnostics/registry.js";
import { BUILD_CODES } from "../build/codes.js";
import { CACHE_CODES } from "../build/cache-codes.js";
import { CLI_CODES } from "./codes.js";
import { EVAL_CODES } from "../eval/codes.js";
import { GRADING_CODES } from "../eval/assertions/codes.js";
import { LOGPROB_CODES } from "../eval/assertions/logprob-codes.js";
import { PROMPTFOO_PARITY_CODES } from "../eval/promptfoo-types.js";
import { CONVERT_CODES } from "../convert/codes.js";
import { LORA_CODES } from "../convert/lora-codes.js";
import { GGUF_CODES } from "../gguf/codes.js";
import { GOTEMPLATE_CODES } from "../gotemplate/codes.js";
import { MODELFILE_CODES } from "../modelfile/codes.js";
import { PROJECT_CODES } from "../project/codes.js";
import { QUANTIZE_CODES } from "../quantize/codes.js";
import { LOCK_CODES } from "../lock/codes.js";
import { RESOLVE_CODES } from "../resolve/codes.js";
import { STORE_CODES } from "../store/codes.js";
import { INSPECT_CODES } from "../inspect/codes.js";
import { EXPORT_CODES } from "../export/codes.js";
import { RUNTIME_CODES } from "../runtime/codes.js";
import { SERVE_CODES } from "../serve/codes.js";
import { MEMORY_BUDGET_CODES } from "../serve/budget-codes.js";
import { CREATE_API_CODES } from "../serve/create-codes.js";
import { RUNNER_CODES } from "../serve/runner/codes.js";
import { REGISTRY_CODES } from "../registry/codes.js";
import { FORMAT_CODES } from "../registry/formats/codes.js";
import { HF_CODES } from "../registry/hf-codes.js";
import { HF_REPO_CODES } from "../registry/hf-repo-codes.js";
import { SPLIT_CODES } from "../gguf/split-codes.js";

const tables: CodeTable[] = [BUILD_CODES, CLI_CODES, EVAL_CODES, GRADING_CODES, GGUF_CODES, GOTEMPLATE_CODES, LOCK_CODES, MODELFILE_CODES, PROJECT_CODES, QUANTIZE_CODES, RESOLVE_CODES, STORE_CODES, INSPECT_CODES, EXPORT_CODES, RUNTIME_CODES, SERVE_CODES, REGISTRY_CODES, HF_CODES, FORMAT_CODES, CONVERT_CODES, LORA_CODES, HF_REPO_CODES, CACHE_CODES, LOGPROB_CODES, MEMORY_BUDGET_CODES, RUNNER_CODES, CREATE_API_CODES, PROMPTFOO_PARITY_CODES, SPLIT_CODES];

/** Every diagnostic code of every domain, for docs/errors.md and its test. A code declared twice is a bug. */
export const ALL_CODES: CodeTable = {};
for (const table of tables) {
  for (const [code, info] of Object.entries(table)) {
    if (code in ALL_CODES) throw new Error(`diagnostic code ${code} is declared twice`);
    ALL_CODES[code] = info;
  }
}
