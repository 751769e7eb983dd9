import type {
  ActionNode, ArgNode, BranchNode, CommandNode, ListNode, Node, PipeNode, Span, TemplateAST, TemplateNode, VariableNode,
} from "./ast.js";
import { nodeString } from "./ast.js";
import type { GotemplateCode } from "./codes.js";
import { TemplateSyntaxError } from "./errors.js";
import type { Token } from "./lexer.js";
import { goUnquote, parseGoNumber } from "./literals.js";
import { didYouMean } from "../diagnostics/index.js";
import { TokenStream, tokenLabel } from "./token-stream.js";

/** What itemList stops at: `{{end}}` or `{{else}}` (not added to the tree). */
interface Terminator extends Span {
  type: "end" | "else";
}

/** The block whose body is being parsed, for "unexpected EOF" errors. */
interface Opener extends Span {
  keyword: string;
}

const MAX_PAREN_DEPTH = 10000;

/**
 * A recursive-descent parser with the structure and messages of Go's
 * `text/template/parse/parse.go`:
 *
 *     template  = { text | action | "{{define" string "}}" list "{{end}}" }
 *     action    = "{{" ( control | pipeline ) "}}"
 *     control   = "if" pipeline | "range" pipeline | "with" pipeline | "else" ["if"|"with" pipeline]
 *               | "end" | "break" | "continue" | "template" string [pipeline] | "block" string pipeline
 *     pipeline  = [ decls ( ":=" | "=" ) ] command { "|" command }
 *     command   = operand { space operand }
 *     operand   = term { .Field }
 *     term      = literal | function | "." | .Field | $var | "(" pipeline ")"
 *
 * Functions are checked against `funcs` (Go does the same unless SkipFuncCheck),
 * variables against those in scope; both raise TemplateSyntaxError.
 */
export class Parser {
  private readonly ts: TokenStream;
  private vars: string[] = ["$"];
  private rangeDepth = 0;
  private parenDepth = 0;
  private readonly templates = new Map<string, ListNode>();

  constructor(
    private readonly text: string,
    private readonly funcs: ReadonlySet<string>,
  ) {
    this.ts = new TokenStream(text);
  }

  parse(): TemplateAST {
    const root: ListNode = { type: "list", offset: this.ts.peek().pos, end: this.text.length, nodes: [] };
    for (;;) {
      const peek = this.ts.peek();
      if (peek.type === "eof") break;
      if (peek.type === "leftDelim") {
        const mark = this.ts.mark();
        const delim = this.ts.next();
        if (this.ts.nextNonSpace().type === "define") {
          this.parseDefinition(delim);
          continue;
        }
        this.ts.reset(mark);
      }
      const n = this.textOrAction();
      if (n.type === "end" || n.type === "else") this.fail(`unexpected {{${n.type}}}`, n, "MS7006");
      root.nodes.push(n as Node);
    }
    this.add("", root, root);
    const templates = new Map(this.templates);
    templates.delete("");
    return { text: this.text, root: this.templates.get("") ?? root, templates };
  }

  private fail(message: string, at: Span, code: GotemplateCode = "MS7001", hint?: string): never {
    throw new TemplateSyntaxError(message, at.offset, Math.max(0, at.end - at.offset), code, hint);
  }

  private unexpected(token: Token, context: string): never {
    const span = { offset: token.pos, end: token.end };
    if (token.type === "error") {
      const code = /^unclosed (action|comment)$/.test(token.val) ? "MS7002" : "MS7001";
      this.fail(token.val, span, code);
    }
    this.fail(`unexpected ${tokenLabel(token)} in ${context}`, span);
  }

  private expect(type: Token["type"], context: string): Token {
    const token = this.ts.nextNonSpace();
    if (token.type !== type) this.unexpected(token, context);
    return token;
  }

  /** Go's Tree.add: a name may be defined twice only if one definition is empty. */
  private add(name: string, list: ListNode, at: Span): void {
    const existing = this.templates.get(name);
    if (existing === undefined || isEmptyList(existing)) this.templates.set(name, list);
    else if (!isEmptyList(list)) this.fail(`multiple definition of template ${JSON.stringify(name)}`, at);
  }

  /** Parses a body in a fresh scope, as Go does for define and block. */
  private inNewTree<T>(fn: () => T): T {
    const [vars, depth] = [this.vars, this.rangeDepth];
    this.vars = ["$"];
    this.rangeDepth = 0;
    try {
      return fn();
    } finally {
      [this.vars, this.rangeDepth] = [vars, depth];
    }
  }

  private parseDefinition(delim: Token): void {
    const context = "define clause";
    const nameToken = this.ts.nextNonSpace();
    if (nameToken.type !== "string" && nameToken.type !== "rawString") this.unexpected(nameToken, context);
    const name = this.unquote(nameToken);
    this.expect("rightDelim", context);
    const opener = { keyword: "define", offset: delim.pos, end: this.ts.lastEnd };
    this.inNewTree(() => {
      const [list, end] = this.itemList(opener);
      if (end.type !== "end") this.fail(`unexpected {{${end.type}}} in ${context}`, end, "MS7006");
      this.add(name, list, opener);
    });
  }

  private itemList(opener: Opener): [ListNode, Terminator] {
    const list: ListNode = { type: "list", offset: this.ts.peekNonSpace().pos, end: 0, nodes: [] };
    while (this.ts.peekNonSpace().type !== "eof") {
      const n = this.textOrAction();
      if (n.type === "end" || n.type === "else") {
        list.end = n.offset;
        return [list, n];
      }
      list.nodes.push(n as Node);
    }
    this.fail("unexpected EOF", opener, "MS7005", `{{${opener.keyword}}} needs a matching {{end}}`);
  }

  private textOrAction(): Node | Terminator {
    const token = this.ts.nextNonSpace();
    if (token.type === "text") return { type: "text", offset: token.pos, end: token.end, text: token.val };
    if (token.type === "leftDelim") return this.action(token);
    this.unexpected(token, "input");
  }

  private action(delim: Token): Node | Terminator {
    const token = this.ts.nextNonSpace();
    switch (token.type) {
      case "block":
        return this.blockControl(delim);
      case "break":
      case "continue":
        return this.loopControl(delim, token.type);
      case "else":
        return this.elseControl(delim);
      case "end":
        this.expect("rightDelim", "end");
        return { type: "end", offset: delim.pos, end: this.ts.lastEnd };
      case "if":
      case "range":
      case "with":
        return this.control(delim, token.type);
      case "template":
        return this.templateControl(delim);
    }
    this.ts.backup();
    const pipe = this.pipeline("command", "rightDelim");
    const node: ActionNode = { type: "action", offset: delim.pos, end: this.ts.lastEnd, pipe };
    return node;
  }

  private loopControl(delim: Token, kind: "break" | "continue"): Node {
    const token = this.ts.nextNonSpace();
    if (token.type !== "rightDelim") this.unexpected(token, `{{${kind}}}`);
    const span = { offset: delim.pos, end: token.end };
    if (this.rangeDepth === 0) this.fail(`{{${kind}}} outside {{range}}`, span, "MS7007");
    return { type: kind, ...span };
  }

  private elseControl(delim: Token): Terminator {
    const peek = this.ts.peekNonSpace();
    if (peek.type === "if" || peek.type === "with") return { type: "else", offset: delim.pos, end: peek.pos };
    this.expect("rightDelim", "else");
    return { type: "else", offset: delim.pos, end: this.ts.lastEnd };
  }

  /** if / range / with, including the `{{else if}}` and `{{else with}}` chains. */
  private control(delim: Token, kind: "if" | "range" | "with"): Node {
    const savedVars = this.vars.length;
    try {
      const pipe = this.pipeline(kind, "rightDelim");
      const opener = { keyword: kind, offset: delim.pos, end: this.ts.lastEnd };
      if (kind === "range") this.rangeDepth++;
      const [list, next] = this.itemList(opener);
      if (kind === "range") this.rangeDepth--;
      const node: BranchNode & { type: typeof kind } = { type: kind, offset: delim.pos, end: next.end, pipe, list };
      if (next.type === "else") {
        const chained = this.ts.peek().type;
        if ((kind === "if" && chained === "if") || (kind === "with" && chained === "with")) {
          this.ts.next();
          const inner = this.control({ ...delim, pos: next.offset }, kind);
          node.elseList = { type: "list", offset: next.offset, end: inner.end, nodes: [inner] };
          node.end = inner.end;
        } else {
          const [elseList, end] = this.itemList(opener);
          if (end.type !== "end") this.fail("expected end; found {{else}}", end, "MS7006");
          node.elseList = elseList;
          node.end = end.end;
        }
      }
      return node as Node;
    } finally {
      this.vars.length = savedVars;
    }
  }

  private templateName(token: Token, context: string): string {
    if (token.type !== "string" && token.type !== "rawString") this.unexpected(token, context);
    return this.unquote(token);
  }

  private blockControl(delim: Token): TemplateNode {
    const context = "block clause";
    const name = this.templateName(this.ts.nextNonSpace(), context);
    const pipe = this.pipeline(context, "rightDelim");
    const opener = { keyword: "block", offset: delim.pos, end: this.ts.lastEnd };
    const end = this.inNewTree(() => {
      const [list, term] = this.itemList(opener);
      if (term.type !== "end") this.fail(`unexpected {{else}} in ${context}`, term, "MS7006");
      this.add(name, list, opener);
      return term.end;
    });
    return { type: "template", offset: delim.pos, end, name, pipe };
  }

  private templateControl(delim: Token): TemplateNode {
    const context = "template clause";
    const name = this.templateName(this.ts.nextNonSpace(), context);
    if (this.ts.nextNonSpace().type !== "rightDelim") {
      this.ts.backup();
      const pipe = this.pipeline(context, "rightDelim");
      return { type: "template", offset: delim.pos, end: this.ts.lastEnd, name, pipe };
    }
    return { type: "template", offset: delim.pos, end: this.ts.lastEnd, name };
  }

  private pipeline(context: string, end: "rightDelim" | "rightParen"): PipeNode {
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

  private unquote(token: Token): string {
    try {
      return goUnquote(token.val);
    } catch (e) {
      this.fail((e as Error).message, { offset: token.pos, end: token.end });
    }
  }
}

/** Go's parse.IsEmptyTree: nothing but whitespace text (comments are already gone). */
export function isEmptyList(list: ListNode): boolean {
  return list.nodes.every((n) => n.type === "text" && n.text.trim() === "");
}
