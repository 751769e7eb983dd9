/**
 * The grammar of FORMAT json: any JSON object, and nothing after it.
 *
 * - Whitespace is bounded at every place it may stand, as llama.cpp's
 *   grammars/json.gbnf writes it since ggml-org/llama.cpp#7866: nothing, one
 *   space, or one newline and at most 20 spaces or tabs of indent. A model
 *   cannot fill its budget with blank lines (Ollama's own grammarJSON allows
 *   `ws ::= ([ \t\n] ws)?`, any run of whitespace: ollama/ollama#2623).
 * - The root ends at the object's closing brace, as Ollama's grammarJSON does,
 *   so the model must emit end-of-sequence there; no trailing newlines and no
 *   stop trigger are needed (node-llama-cpp's json.gbnf allows whitespace after
 *   it and stops at a run of four newlines).
 * - Numbers have at most 16 digits per part, as node-llama-cpp's schema
 *   grammars write them; strings are JSON's, of any length, so a model that
 *   never closes one is stopped by the num_predict cap (plan.ts).
 */
export const JSON_OBJECT_GRAMMAR = String.raw`root   ::= "{" ws ( member ( "," ws member )* )? "}"
object ::= "{" ws ( member ( "," ws member )* )? "}" ws
member ::= string ":" ws value
value  ::= object | array | string | number | ( "true" | "false" | "null" ) ws
array  ::= "[" ws ( value ( "," ws value )* )? "]" ws
string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\"" ws
number ::= "-"? ( "0" | [1-9] [0-9]{0,15} ) ( "." [0-9]{1,16} )? ( [eE] [-+]? ( "0" | [1-9] [0-9]{0,15} ) )? ws
ws     ::= | " " | "\n" [ \t]{0,20}
`;
