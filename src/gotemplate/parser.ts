import type { ActionNode, BranchNode, ListNode, Node, Span, TemplateAST, TemplateNode } from "./ast.js";
import { PipelineParser } from "./pipeline-parser.js";
import type { Token } from "./token.js";

/** What itemList stops at: `{{end}}` or `{{else}}` (not added to the tree). */
interface Terminator extends Span {
  type: "end" | "else";
}

/** The block whose body is being parsed, for "unexpected EOF" errors. */
interface Opener extends Span {
  keyword: string;
}

/**
 * A recursive-descent parser with the structure and messages of Go's
 * `text/template/parse/parse.go`:
 *
 *     template  = { text | action | "{{define" string "}}" list "{{end}}" }
 *     action    = "{{" ( control | pipeline ) "}}"
 *     control   = "if" pipeline | "range" pipeline | "with" pipeline | "else" ["if"|"with" pipeline]
 *               | "end" | "break" | "continue" | "template" string [pipeline] | "block" string pipeline
 *
 * Pipelines, and the checks of function and variable names, are PipelineParser's.
 */
export class Parser extends PipelineParser {
  private rangeDepth = 0;
  private readonly templates = new Map<string, ListNode>();

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
}

/** Go's parse.IsEmptyTree: nothing but whitespace text (comments are already gone). */
export function isEmptyList(list: ListNode): boolean {
  return list.nodes.every((n) => n.type === "text" && n.text.trim() === "");
}
