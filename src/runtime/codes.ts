import { defineCodes } from "../diagnostics/registry.js";

/** Diagnostics of the runtime (loading a built model and generating with it) and of `modelsmith run`. */
export const RUNTIME_CODES = defineCodes({
  MS8001: {
    title: "unknown option",
    example: "modelsmith run code-assistant -p temprature=0.2",
    fix: "Use one of Ollama's option names (the PARAMETER names of a Modelfile); the hint names the closest one.",
  },
  MS8002: {
    title: "invalid option value",
    example: "modelsmith run code-assistant -p top_k=high",
    fix: "Give a value of the option's type and range: an integer, a number, true/false, or text for `stop`.",
  },
  MS8003: {
    title: "parameter not honoured",
    example: "PARAMETER typical_p 0.5   (node-llama-cpp has no locally typical sampler)",
    fix: "A warning, printed once per model: the parameter has no effect on this backend. Remove it, or accept that generation ignores it.",
  },
  MS8004: {
    title: "cannot load the model",
    example: "a model whose GGUF or ADAPTER llama.cpp rejects (wrong architecture, corrupt file)",
    fix: "Rebuild the model; check that every ADAPTER was made for the FROM model (`modelsmith verify` finds corrupt blobs).",
  },
  MS8005: {
    title: "FORMAT schema cannot become a grammar",
    example: "FORMAT ./schema.json   (a schema using a keyword the grammar converter does not support)",
    fix: "Use the JSON Schema subset node-llama-cpp turns into a grammar: type, properties, required, items, enum, const, anyOf, minItems/maxItems, minLength/maxLength.",
  },
  MS8006: {
    title: "invalid generate request",
    example: "a request with both `prompt` and `messages`, or a message whose role is not system, user or assistant",
    fix: "Send either `prompt` or `messages`; roles are system, user and assistant.",
  },
  MS8007: {
    title: "template failed to render",
    example: "TEMPLATE {{ .Prompt.Foo }}",
    fix: "Fix the TEMPLATE (or the GGUF chat template) so it renders for every request; the message says where it failed.",
  },
  MS8008: {
    title: "model is incomplete or corrupt",
    example: "a manifest without a model layer, or a params layer that is not a JSON object",
    fix: "Rebuild the model with `modelsmith build`, or remove it with `modelsmith rm`.",
  },
  MS8009: {
    title: "prompt truncated to fit the context",
    example: "a prompt of 5000 tokens with PARAMETER num_ctx 4096",
    fix: "A warning: the prompt was cut as Ollama cuts it (its first num_keep tokens and its end kept). Raise num_ctx or shorten the prompt.",
  },
  MS8010: {
    title: "invalid -p option",
    example: "modelsmith run code-assistant -p temperature",
    fix: "Write each -p as key=value, e.g. -p temperature=0.2 -p stop=END.",
  },
  MS8011: {
    title: "no prompt",
    example: "echo -n '' | modelsmith run code-assistant",
    fix: "Pass a prompt as an argument, pipe one on stdin, or run on a terminal for an interactive chat.",
  },
  MS8710: {
    title: "embedding input too long",
    example: 'POST /api/embed {"model": "m", "input": "<more tokens than num_ctx>", "truncate": false}',
    fix: "Shorten the input, raise num_ctx, or leave `truncate` on (the default) so the input is cut to the context.",
  },
  MS8020: {
    title: "FORMAT schema has constraints the grammar cannot honour",
    example: '{"type":"object","properties":{"n":{"type":"number","multipleOf":2}}}   (multipleOf)',
    fix: "Remove the keywords the error names (multipleOf, minProperties, ranges on a `number`, an unknown format, ...), or validate the output yourself; the grammar would otherwise drop them silently.",
  },
  MS8300: {
    title: "FORMAT schema cannot become a grammar",
    example: '{"type":"string","pattern":"^(?=a)b$"}   (a lookahead; also a remote $ref, a pattern without ^...$, minimum > maximum)',
    fix: "Use local $refs (#/$defs/...), anchor patterns with ^ and $ and leave out lookarounds and (?...) groups; the error names the JSON path.",
  },
});

export type RuntimeCode = keyof typeof RUNTIME_CODES;
