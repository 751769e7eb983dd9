import type { ArgNode, CommandNode, PipeNode, Span, VariableNode } from "./ast.js";
import { nodeString } from "./ast.js";
import type { GotemplateCode } from "./codes.js";
import { TemplateSyntaxError } from "./errors.js";
import { goUnquote, parseGoNumber } from "./literals.js";
import { didYouMean } from "../diagnostics/index.js";
import type { Token } from "./token.js";
import { TokenStream, tokenLabel } from "./token-stream.js";

const MAX_PAREN_DEPTH = 10000;

/**
 * The expression half of Go's `text/template/parse/parse.go`: pipelines and
 * what they are made of, with Go's messages. The Parser (parser.ts) adds the
 * template structure around them.
 *
 *     pipeline  = [ decls ( ":=" | "=" ) ] command { "|" command }
 *     command   = operand { space operand }
 *     operand   = term { .Field }
 *     term      = literal | function | "." | .Field | $var | "(" pipeline ")"
 *
 * Functions are checked against `funcs` (Go does the same unless SkipFuncCheck),
 * variables against those in scope (`vars`); both raise TemplateSyntaxError.
 */
export abstract class PipelineParser {
  protected readonly ts: TokenStream;
  protected vars: string[] = ["$"];
  private parenDepth = 0;

  constructor(
    protected readonly text: string,
    private readonly funcs: ReadonlySet<string>,
  ) {
    this.ts = new TokenStream(text);
  }

  protected fail(message: string, at: Span, code: GotemplateCode = "MS7001", hint?: string): never {
    throw new TemplateSyntaxError(message, at.offset, Math.max(0, at.end - at.offset), code, hint);
  }

  protected unexpected(token: Token, context: string): never {
    const span = { offset: token.pos, end: token.end };
    if (token.type === "error") {
      const code = /^unclosed (action|comment)$/.test(token.val) ? "MS7002" : "MS7001";
      this.fail(token.val, span, code);
    }
    this.fail(`unexpected ${tokenLabel(token)} in ${context}`, span);
  }

  protected expect(type: Token["type"], context: string): Token {
    const token = this.ts.nextNonSpace();
    if (token.type !== type) this.unexpected(token, context);
    return token;
  }

  protected pipeline(context: string, end: "rightDelim" | "rightParen"): PipeNode {
    const start = this.ts.peekNonSpace();
    const pipe: PipeNode = { type: "pipe", offset: start.pos, end: start.pos, decl: [], isAssign: false, cmds: [] };
    this.declarations(pipe, context);
    for (;;) {
      const token = this.ts.nextNonSpace();
      if (token.type === end) {
        this.checkPipeline(pipe, context, token);
        return pipe;
      }
      switch (token.type) {
        case "bool": case "charConstant": case "complex": case "dot": case "field": case "identifier":
        case "number": case "nil": case "rawString": case "string": case "variable": case "leftParen": {
          this.ts.backup();
          const cmd = this.command();
          pipe.cmds.push(cmd);
          pipe.end = cmd.end;
          break;
        }
        default:
          this.unexpected(token, context);
      }
    }
  }

  /** `$x :=`, `$x =`, and for range `$i, $e :=`. Needs three tokens of lookahead. */
  private declarations(pipe: PipeNode, context: string): void {
    for (;;) {
      const v = this.ts.peekNonSpace();
      if (v.type !== "variable") return;
      const mark = this.ts.mark();
      this.ts.next();
      const next = this.ts.peekNonSpace();
      const decl: VariableNode = { type: "variable", offset: v.pos, end: v.end, ident: [v.val] };
      if (next.type === "assign" || next.type === "declare") {
        pipe.isAssign = next.type === "assign";
        this.ts.nextNonSpace();
        pipe.decl.push(decl);
        this.vars.push(v.val);
        return;
      }
      if (next.type === "char" && next.val === ",") {
        this.ts.nextNonSpace();
        pipe.decl.push(decl);
        this.vars.push(v.val);
        if (context === "range" && pipe.decl.length < 2) {
          const after = this.ts.peekNonSpace().type;
          if (after === "variable" || after === "rightDelim" || after === "rightParen") continue;
          this.fail("range can only initialize variables", { offset: next.pos, end: next.end });
        }
        this.fail(`too many declarations in ${context}`, { offset: next.pos, end: next.end });
      }
      this.ts.reset(mark);
      return;
    }
  }

  private checkPipeline(pipe: PipeNode, context: string, endToken: Token): void {
    if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`, { offset: pipe.offset, end: endToken.end });
    pipe.cmds.slice(1).forEach((c, i) => {
      const first = c.args[0]!;
      if (["bool", "dot", "nil", "number", "string"].includes(first.type)) {
        this.fail(`non executable command in pipeline stage ${i + 2}`, first);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: "command", offset: this.ts.peekNonSpace().pos, end: 0, args: [] };
    for (;;) {
      this.ts.peekNonSpace();
      const operand = this.operand();
      if (operand) {
        cmd.args.push(operand);
        cmd.end = operand.end;
      }
      const token = this.ts.next();
      if (token.type === "space") continue;
      if (token.type === "rightDelim" || token.type === "rightParen") this.ts.backup();
      else if (token.type !== "pipe") this.unexpected(token, "operand");
      break;
    }
    if (cmd.args.length === 0) this.fail("empty command", cmd);
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (!node || this.ts.peek().type !== "field") return node;
    const fields: string[] = [];
    let end = node.end;
    while (this.ts.peek().type === "field") {
      const f = this.ts.next();
      fields.push(f.val.slice(1));
      end = f.end;
    }
    switch (node.type) {
      case "field":
        return { type: "field", offset: node.offset, end, ident: [...node.ident, ...fields] };
      case "variable":
        return { type: "variable", offset: node.offset, end, ident: [...node.ident, ...fields] };
      case "bool": case "string": case "number": case "nil": case "dot":
        this.fail(`unexpected . after term ${JSON.stringify(nodeString(node))}`, { offset: node.offset, end });
      default:
        return { type: "chain", offset: node.offset, end, node, field: fields };
    }
  }

  private term(): ArgNode | undefined {
    const token = this.ts.nextNonSpace();
    const span = { offset: token.pos, end: token.end };
    switch (token.type) {
      case "identifier":
        if (!this.funcs.has(token.val)) {
          this.fail(`function ${JSON.stringify(token.val)} not defined`, span, "MS7003", didYouMean(token.val, this.funcs));
        }
        return { type: "identifier", ...span, name: token.val };
      case "dot":
        return { type: "dot", ...span };
      case "nil":
        return { type: "nil", ...span };
      case "variable":
        if (!this.vars.includes(token.val)) {
          const hint = didYouMean(token.val, this.vars.filter((v) => v !== "$"));
          this.fail(`undefined variable ${JSON.stringify(token.val)}`, span, "MS7004", hint);
        }
        return { type: "variable", ...span, ident: [token.val] };
      case "field":
        return { type: "field", ...span, ident: [token.val.slice(1)] };
      case "bool":
        return { type: "bool", ...span, value: token.val === "true" };
      case "charConstant":
      case "complex":
      case "number":
        try {
          return { type: "number", ...span, text: token.val, ...parseGoNumber(token.val, token.type) };
        } catch (e) {
          this.fail((e as Error).message, span);
        }
      case "leftParen": {
        if (this.parenDepth >= MAX_PAREN_DEPTH) this.fail("max expression depth exceeded", span);
        this.parenDepth++;
        try {
          const pipe = this.pipeline("parenthesized pipeline", "rightParen");
          return { ...pipe, offset: token.pos, end: this.ts.lastEnd };
        } finally {
          this.parenDepth--;
        }
      }
      case "string":
      case "rawString":
        return { type: "string", ...span, quoted: token.val, text: this.unquote(token) };
    }
    this.ts.backup();
    return undefined;
  }

  protected unquote(token: Token): string {
    try {
      return goUnquote(token.val);
    } catch (e) {
      this.fail((e as Error).message, { offset: token.pos, end: token.end });
    }
  }
}
