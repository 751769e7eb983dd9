/**
 * The parse tree of a Go text/template, shaped like Go's `text/template/parse`
 * nodes. Every node carries `offset` (0-based index of its first character in
 * the template text) and `end` (exclusive). Block nodes (`if`, `range`, `with`)
 * span from their opening `{{` to the end of their `{{end}}`; an action spans
 * its delimiters; an argument spans its token.
 */
export interface Span {
  offset: number;
  end: number;
}

export interface ListNode extends Span {
  type: "list";
  nodes: Node[];
}

export interface TextNode extends Span {
  type: "text";
  /** The text after trim markers were applied. */
  text: string;
}

export interface ActionNode extends Span {
  type: "action";
  pipe: PipeNode;
}

export interface BranchNode extends Span {
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}

export interface IfNode extends BranchNode {
  type: "if";
}

export interface RangeNode extends BranchNode {
  type: "range";
}

export interface WithNode extends BranchNode {
  type: "with";
}

/** `{{template "name" pipeline}}`, also what `{{block}}` leaves in place. */
export interface TemplateNode extends Span {
  type: "template";
  name: string;
  pipe?: PipeNode;
}

export interface BreakNode extends Span {
  type: "break";
}

export interface ContinueNode extends Span {
  type: "continue";
}

export type Node = TextNode | ActionNode | IfNode | RangeNode | WithNode | TemplateNode | BreakNode | ContinueNode;

/** `$x := cmd | cmd`, or `$x = ...` when `isAssign`. */
export interface PipeNode extends Span {
  type: "pipe";
  decl: VariableNode[];
  isAssign: boolean;
  cmds: CommandNode[];
}

export interface CommandNode extends Span {
  type: "command";
  args: ArgNode[];
}

/** `.A.B`: ident is ["A", "B"]. */
export interface FieldNode extends Span {
  type: "field";
  ident: string[];
}

/** `$x.A`: ident is ["$x", "A"]. */
export interface VariableNode extends Span {
  type: "variable";
  ident: string[];
}

/** `(pipe).A.B` and other field access on a term that is not a field or variable. */
export interface ChainNode extends Span {
  type: "chain";
  node: ArgNode;
  field: string[];
}

/** A function name. */
export interface IdentifierNode extends Span {
  type: "identifier";
  name: string;
}

export interface DotNode extends Span {
  type: "dot";
}

export interface NilNode extends Span {
  type: "nil";
}

export interface BoolNode extends Span {
  type: "bool";
  value: boolean;
}

/**
 * A number literal as Go classifies it: `isInt` when it fits int64 (then
 * `int` holds it), `isFloat` when it is a float (then `float` holds it).
 * Go picks float for an untyped constant that is written with ".eEpP" and is
 * not hex or a rune; see `idealNumber` in exec.
 */
export interface NumberNode extends Span {
  type: "number";
  text: string;
  isInt: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int: number;
  float: number;
}

export interface StringNode extends Span {
  type: "string";
  /** The literal as written, quotes included. */
  quoted: string;
  text: string;
}

export type ArgNode =
  | FieldNode | VariableNode | ChainNode | IdentifierNode | DotNode | NilNode | BoolNode
  | NumberNode | StringNode | PipeNode;

/** A parsed template: the main tree plus every `{{define}}`/`{{block}}` by name. */
export interface TemplateAST {
  /** The template text that was parsed; offsets index into it. */
  text: string;
  root: ListNode;
  /** Named templates from `{{define}}` and `{{block}}`, in definition order. */
  templates: Map<string, ListNode>;
}

/** Go's String() of a node: the source form, normalized (used in error contexts). */
export function nodeString(n: Node | ArgNode | CommandNode | ListNode): string {
  switch (n.type) {
    case "list":
      return n.nodes.map(nodeString).join("");
    case "text":
      return n.text;
    case "action":
      return `{{${nodeString(n.pipe)}}}`;
    case "if":
    case "range":
    case "with": {
      const els = n.elseList ? `{{else}}${nodeString(n.elseList)}` : "";
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${els}{{end}}`;
    }
    case "template":
      return n.pipe ? `{{template ${JSON.stringify(n.name)} ${nodeString(n.pipe)}}}` : `{{template ${JSON.stringify(n.name)}}}`;
    case "break":
      return "{{break}}";
    case "continue":
      return "{{continue}}";
    case "pipe": {
      const decl = n.decl.length > 0 ? `${n.decl.map(nodeString).join(", ")} ${n.isAssign ? "=" : ":="} ` : "";
      return decl + n.cmds.map(nodeString).join(" | ");
    }
    case "command":
      return n.args.map((a) => (a.type === "pipe" ? `(${nodeString(a)})` : nodeString(a))).join(" ");
    case "field":
      return n.ident.map((i) => `.${i}`).join("");
    case "variable":
      return n.ident.join(".");
    case "chain": {
      const inner = n.node.type === "pipe" ? `(${nodeString(n.node)})` : nodeString(n.node);
      return inner + n.field.map((f) => `.${f}`).join("");
    }
    case "identifier":
      return n.name;
    case "dot":
      return ".";
    case "nil":
      return "nil";
    case "bool":
      return String(n.value);
    case "number":
      return n.text;
    case "string":
      return n.quoted;
  }
}
