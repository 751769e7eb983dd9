/** The item types of Go's `text/template/parse/lex.go`, with the same names. */
export type TokenType =
  | "error" | "bool" | "char" | "charConstant" | "complex" | "assign" | "declare" | "eof"
  | "field" | "identifier" | "leftDelim" | "leftParen" | "number" | "pipe" | "rawString"
  | "rightDelim" | "rightParen" | "space" | "string" | "text" | "variable"
  // keywords
  | "block" | "break" | "continue" | "dot" | "define" | "else" | "end" | "if" | "nil"
  | "range" | "template" | "with";

/** One lexed item: what the lexer gives the parser. */
export interface Token {
  type: TokenType;
  /** Start of the token in the input (for "error", where the problem is). */
  pos: number;
  /** Exclusive end of the token. */
  end: number;
  /** The token's text; for "error", the message; for "text", the (trimmed) text. */
  val: string;
}
