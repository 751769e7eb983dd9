import type { Llama, LlamaGrammar } from "node-llama-cpp";
import { error, InputError } from "../diagnostics/index.js";
import { honouredSchema } from "./schema-check.js";
import { JSON_OBJECT_GRAMMAR, withoutTrailingNewlines } from "./json-grammar.js";

/**
 * FORMAT as a grammar, so the output always parses: `json` is
 * {@link JSON_OBJECT_GRAMMAR} (an object at the top, as Ollama's `format:
 * "json"`, whitespace bounded as llama.cpp's), a JSON Schema becomes
 * node-llama-cpp's grammar for it (a subset of JSON Schema; anything else is
 * InputError MS8005). Either ends where the JSON value ends, so the model stops
 * there. Grammars are kept per model and schema text.
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

  private async forSchema(schema: object): Promise<LlamaGrammar> {
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
      throw new InputError(error("MS8005", "FORMAT must be \"json\" or a JSON Schema object"));
    }
    const honoured = honouredSchema(schema);
    let grammar: LlamaGrammar;
    try {
      grammar = await this.llama.createGrammarForJsonSchema(honoured as never);
    } catch (err) {
      throw new InputError(error("MS8005", `FORMAT schema cannot become a grammar: ${(err as Error).message}`), { cause: err });
    }
    return this.llama.createGrammar({ grammar: withoutTrailingNewlines(integersWithoutExponent(grammar.grammar)) });
  }
}

/**
 * node-llama-cpp's rule for `"type": "integer"` allows an exponent ("1e999"),
 * which JSON.parse turns into a float or Infinity that no validator accepts as
 * an integer; llama.cpp's json-schema-to-grammar (Ollama's converter) writes
 * integers without one. This drops the exponent from that rule.
 */
export function integersWithoutExponent(grammar: string): string {
  return grammar.replace(/^(integer-number-rule ::= .*?) \(\[eE\] \[-\+\]\? .*\)\?$/m, "$1");
}
