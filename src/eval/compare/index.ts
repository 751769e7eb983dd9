/**
 * `modelsmith test --compare`: a model's quantized variants side by side
 * (size, prompt-test pass rate, decode speed, and mean KL divergence and
 * top-1 agreement against the unquantized base over a text).
 */
export { compareModels, type CompareOptions, type ModelComparison, type OpenTimedModel, type VariantRow } from "./compare-models.js";
export { readCompareText, type CompareText } from "./compare-text.js";
export { decodeSpeed, DEFAULT_SPEED_PROMPT, SPEED_PROMPT_CHARS, SPEED_TOKENS, type TimedGeneration, type TimedModel } from "./decode-speed.js";
export { argmax, DivergenceMeter, FLOAT32_MIN, klDivergence, type Divergence } from "./divergence.js";
export { baseWeights, variantWeights, type BaseWeights, type VariantWeights, type Weights } from "./model-layers.js";
export { COMPARE_MAX_TOKENS, ReferenceDistributions, type OpenScorer, type TextScorer } from "./reference-text.js";
export { compareJson, compareReport } from "./report.js";
