export { namedTemplate, levenshtein, type NamedTemplate } from "./named.js";
export { OLLAMA_TEMPLATES_COMMIT } from "./ollama-templates.js";
