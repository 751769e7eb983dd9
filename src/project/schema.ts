/**
 * The JSON Schema of `modelsmith.yaml`. One source for two users: the loader
 * validates with it (ajv, every problem at once), and `schemas/modelsmith.schema.json`
 * is generated from it for editors (`npm run gen`; a test keeps them equal).
 *
 *     models:                      # required, at least one
 *       <name>:                    # lower-case model name, e.g. code-assistant
 *         modelfile: <path>        # required, relative to modelsmith.yaml
 *         quantize: Q4_K_M | [Q4_K_M, Q8_0]   # one variant tag per type
 *         tags: [latest, v1]       # extra tags for the default variant
 *         tests: <path> | [<path>...]        # prompt test files
 *         convert: F16             # F32 | F16 | BF16: output type when FROM is a Hugging Face checkpoint folder, and of PEFT ADAPTERs
 *         compare:                 # `modelsmith test --compare`
 *           text: <path>           # text to compare variants with the unquantized base over (per model: a code model wants code)
 *     aliases:                     # short FROM name -> full reference
 *       llama3:8b: testmodel://oracle
 *     defaults:
 *       quantize: Q4_K_M | [...]   # for models that set none
 *       namespace: library         # store namespace of built models
 *     cache:                       # remote build cache (an OCI registry repository)
 *       from: oci://host/repo      # step results are fetched from here
 *       to: oci://host/repo        # and stored here
 */
export const MODEL_NAME_PATTERN = "^[a-z0-9][a-z0-9._-]{0,79}$";

const stringOrList = {
  oneOf: [
    { type: "string", minLength: 1 },
    { type: "array", items: { type: "string", minLength: 1 }, minItems: 1, uniqueItems: true },
  ],
} as const;

export const projectSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://modelsmith.dev/schemas/modelsmith.schema.json",
  title: "modelsmith project file (modelsmith.yaml)",
  type: "object",
  additionalProperties: false,
  required: ["models"],
  properties: {
    models: {
      description: "The models this project builds, by name.",
      type: "object",
      minProperties: 1,
      propertyNames: { pattern: MODEL_NAME_PATTERN },
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        required: ["modelfile"],
        properties: {
          modelfile: { description: "Path of the Modelfile, relative to this file.", type: "string", minLength: 1 },
          quantize: { description: "Quantization type, or a list: one variant tag per type.", ...stringOrList },
          tags: { description: "Extra tags for the model.", type: "array", items: { type: "string", pattern: "^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$" }, uniqueItems: true },
          tests: { description: "Prompt test files (YAML), relative to this file.", ...stringOrList },
          convert: { description: "Output type of the conversion when FROM is a Hugging Face checkpoint folder (config.json + *.safetensors), default F16; and of PEFT LoRA adapters on ADAPTER lines, default F32 (convert_lora_to_gguf.py's).", enum: ["F32", "F16", "BF16"] },
          compare: {
            description: "`modelsmith test --compare`: how the model's variants are compared with its unquantized base.",
            type: "object",
            additionalProperties: false,
            required: ["text"],
            properties: { text: { description: "A text file, relative to this file: mean KL divergence and top-1 agreement are measured over its tokens.", type: "string", minLength: 1 } },
          },
        },
      },
    },
    aliases: {
      description: "Short FROM names mapped to full references.",
      type: "object",
      additionalProperties: { type: "string", minLength: 1 },
    },
    defaults: {
      type: "object",
      additionalProperties: false,
      properties: {
        quantize: { description: "Quantization for models that set none.", ...stringOrList },
        namespace: { description: "Store namespace of built models (default: library).", type: "string", pattern: "^[a-z0-9][a-z0-9._-]{0,79}$" },
      },
    },
    cache: {
      description: "Remote build cache: step results (quantized and assembled models) shared through an OCI registry repository. `--cache-from`/`--cache-to` and MODELSMITH_CACHE_FROM/MODELSMITH_CACHE_TO override it.",
      type: "object",
      additionalProperties: false,
      properties: {
        from: { description: "oci://host/repository to fetch step results from.", type: "string", minLength: 1 },
        to: { description: "oci://host/repository to store step results in (also read).", type: "string", minLength: 1 },
      },
    },
  },
} as const;
