import { defineCodes } from "../diagnostics/registry.js";

export const PROJECT_CODES = defineCodes({
  MS4001: {
    title: "invalid YAML",
    example: "models:\n  chat: {modelfile: Modelfile",
    fix: "Fix the YAML syntax at the position shown (an unclosed bracket or quote, a bad indent).",
  },
  MS4002: {
    title: "unknown key",
    example: "models:\n  chat:\n    modelfiel: ./Modelfile",
    fix: "Use one of the keys the project file knows; the hint names the closest one.",
  },
  MS4003: {
    title: "missing required key",
    example: "models:\n  chat:\n    quantize: Q4_K_M",
    fix: "Add the key named in the message (every model needs `modelfile`, every project `models`).",
  },
  MS4004: {
    title: "wrong type or value",
    example: "models:\n  chat:\n    modelfile: 3",
    fix: "Give the value the type the message names (a string, a list of strings, a map).",
  },
  MS4005: {
    title: "invalid model name",
    example: "models:\n  Chat Bot:\n    modelfile: ./Modelfile",
    fix: "Model names are lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit.",
  },
  MS4006: {
    title: "file not found",
    example: "models:\n  chat:\n    modelfile: ./Modelfle",
    fix: "Point the path at an existing file; paths are relative to the file that names them.",
  },
  MS4007: {
    title: "no project file",
    example: "modelsmith check   # in a directory without modelsmith.yaml, nor any above it",
    fix: "Run in the project's directory or a folder below it, pass `-C <dir>`, or create one with `modelsmith init`. To build one Modelfile without a project, use `modelsmith create NAME -f Modelfile`.",
  },
  MS4008: {
    title: "FORMAT schema is not JSON",
    example: "FORMAT ./schema.json   # where schema.json holds `{name: string}`",
    fix: "FORMAT takes `json` or the path of a JSON Schema file; make the file valid JSON.",
  },
  MS4009: {
    title: "FORMAT schema is not a valid JSON Schema",
    example: "FORMAT ./schema.json   # where schema.json holds {\"type\": \"strng\"}",
    fix: "Fix the schema so a JSON Schema validator (draft-07) accepts it; the message names the problem.",
  },
  MS4090: {
    title: "not a regular file",
    example: "FORMAT /dev/zero, or a Modelfile that is a named pipe (FIFO)",
    fix: "Point the path at a regular file; devices, pipes and sockets are refused (reading them would never end or block).",
  },
  MS4091: {
    title: "file too large",
    example: "FORMAT ./schema.json where schema.json is 50 MB",
    fix: "Schema files may be up to 1 MiB and Modelfiles, project, lock and test files up to 16 MiB; point the path at the file you meant.",
  },
  MS4092: {
    title: "file outside the project directory",
    example: "FORMAT ../../secrets/schema.json, ADAPTER /home/me/lora.gguf, or modelfile: ../other/Modelfile",
    fix: "The file's content goes into the built artifact (and whatever you push); copy it into the project, or ignore the warning if you meant it.",
  },
});
