import { MODEL_NAME_PATTERN } from "../project/schema.js";

const digest = { type: "string", pattern: "^sha256:[0-9a-f]{64}$" } as const;

/**
 * The JSON Schema of models.lock (shape only; parseLock checks keys and
 * locators as references, and variant tags, with better messages than a
 * pattern would give).
 */
export const lockSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "modelsmith lock file (models.lock)",
  type: "object",
  additionalProperties: false,
  required: ["version", "references", "models"],
  properties: {
    version: { const: 1 },
    references: {
      type: "object",
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        required: ["locator", "digest", "size"],
        properties: {
          locator: { type: "string", minLength: 1 },
          digest,
          size: { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
          files: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              additionalProperties: false,
              required: ["path", "digest", "size"],
              properties: { path: { type: "string", minLength: 1 }, digest, size: { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER } },
            },
          },
          layers: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              additionalProperties: false,
              required: ["mediaType", "digest", "size"],
              properties: { mediaType: { type: "string", minLength: 1 }, digest, size: { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER } },
            },
          },
        },
      },
    },
    models: {
      type: "object",
      propertyNames: { pattern: MODEL_NAME_PATTERN },
      additionalProperties: {
        type: "object",
        minProperties: 1,
        additionalProperties: {
          type: "object",
          additionalProperties: false,
          required: ["inputs", "manifest"],
          properties: { inputs: digest, manifest: digest },
        },
      },
    },
  },
} as const;
