import type { Llama, LlamaGrammar } from "node-llama-cpp";
import { error, InputError } from "../diagnostics/index.js";
import { honouredSchema } from "./schema-check.js";
import { JSON_OBJECT_GRAMMAR } from "./json-grammar.js";
import { jsonSchemaToGrammar, SchemaGrammarError } from "./json-schema-grammar/index.js";

/**
 * FORMAT as a grammar, so the output always parses: `json` is
 * {@link JSON_OBJECT_GRAMMAR} (an object at the top, as Ollama's `format:
 * "json"`, whitespace bounded as llama.cpp's), a JSON Schema becomes the
 * grammar llama.cpp's json_schema_to_grammar writes for it (our port,
 * {@link schemaGrammar}; what it cannot honour is InputError MS8020/MS8300).
 * Either ends where the JSON value ends, so the model stops there. Grammars
 * are kept per model and schema text; the one seam where a grammar is made is
 * `llama.createGrammar({grammar})`.
 */
export class GrammarCache {
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  constructor(private readonly llama: Llama) {}

  get(format: "json" | object): Promise<LlamaGrammar> {
    const key = format === "json" ? "json" : JSON.stringify(format);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = format === "json" ? this.llama.createGrammar({ grammar: JSON_OBJECT_GRAMMAR }) : this.forSchema(format);
      this.grammars.set(key, grammar);
      grammar.catch(() => this.grammars.delete(key));
    }
    return grammar;
  }

  private forSchema(schema: object): Promise<LlamaGrammar> {
    return this.llama.createGrammar({ grammar: schemaGrammar(schema) });
  }
}

/**
 * The GBNF text of a FORMAT JSON Schema (pure: no model). InputError MS8005
 * for a schema that is not an object, MS8020 for keywords the grammar would
 * drop, MS8300 for what llama.cpp's converter refuses (remote `$ref`, a
 * pattern it cannot translate, an invalid value), each with the JSON path.
 */
export function schemaGrammar(schema: unknown): string {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    throw new InputError(error("MS8005", "FORMAT must be \"json\" or a JSON Schema object"));
  }
  const honoured = honouredSchema(schema);
  try {
    return jsonSchemaToGrammar(honoured);
  } catch (err) {
    if (!(err instanceof SchemaGrammarError)) throw err;
    throw new InputError(
      error("MS8300", `FORMAT schema cannot become a grammar at ${err.path}: ${err.message}`, {
        hint: "llama.cpp's converter resolves only local $refs and translates patterns anchored with ^...$ without lookarounds",
      }),
      { cause: err },
    );
  }
}
