/**
 * The runtime: loads a built model from the store into node-llama-cpp and
 * generates with it, applying every layer as Ollama does (TEMPLATE or the
 * GGUF's chat template, SYSTEM, MESSAGEs, PARAMETERs, FORMAT as a grammar,
 * ADAPTERs as LoRA). `run`, `test`, `serve` and `watch` all go through it.
 */
export type { ChatMessage, GenerateRequest, GenerateResult, ModelFootprint, StreamHandoff, OpenModelOptions, RuntimeModel } from "./types.js";
export { ModelEmbedder, type EmbedOptions, type EmbedResult } from "./embed.js";
export { openModel, type OpenModelSettings } from "./open-model.js";
export { describeModel, type ModelIdentity } from "./describe-model.js";
export { renderPrompt, requestMessages, OLLAMA_DEFAULT_TEMPLATE, type GgufChatTemplate, type PromptLayers, type RenderedPrompt } from "./prompt.js";
export { readStoredModel, type StoredModel } from "./stored-model.js";
export { typeOption, typeOptions, parseOptionText, OLLAMA_DEFAULTS, OLLAMA_DEFAULT_NUM_CTX, type OptionMap, type OptionValue } from "./options.js";
export { boundedNumPredict, loadPlan, samplePlan, OPEN_ENDED_CONTEXT_MULTIPLIER, type LoadPlan, type SamplePlan, type NotHonoured } from "./plan.js";
export { formatGoDuration, ollamaTimingFields, ollamaTimingSummary } from "./timing-summary.js";
export { RUNTIME_CODES } from "./codes.js";
export { openTokenScorer, type TokenScorer, type TokenScorerOptions } from "./token-scorer.js";
