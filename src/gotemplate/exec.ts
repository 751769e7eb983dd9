import type { ListNode, Node, RangeNode, TemplateAST } from "./ast.js";
import { nodeString } from "./ast.js";
import { BUILTINS, type TemplateFunction } from "./builtins.js";
import { Evaluator, type Variable } from "./evaluator.js";
import { formatValue } from "./format.js";
import { ollamaFunctions } from "./functions.js";
import { BreakSignal, ContinueSignal } from "./signals.js";
import { isTrue, kindOf, mapGet, mapKeys } from "./values.js";

export interface RenderOptions {
  /** Extra functions (their names must also be given to parseTemplate). Plain JS functions take any arguments. */
  funcs?: Record<string, TemplateFunction | ((...args: unknown[]) => unknown)>;
  /** The clock behind currentDate/yesterdayDate; default the system clock. */
  now?: () => Date;
}

/** Nested {{template}} calls allowed before giving up (Go allows 100000; JS stacks are smaller). */
const MAX_DEPTH = 1000;

/**
 * Executes a parsed template on `data` with Go's text/template semantics
 * (exec.go) and Ollama's function set, returning the output. Throws
 * TemplateExecError, located at the failing node, where Go's Execute fails.
 * Data is looked up as described in values.ts: plain objects are maps
 * (missing keys are nil, printed `<no value>`), `goStruct` objects are structs.
 */
export function renderTemplate(ast: TemplateAST, data: unknown, opts: RenderOptions = {}): string {
  const funcs = new Map<string, TemplateFunction>(Object.entries({ ...BUILTINS, ...ollamaFunctions(opts.now) }));
  for (const [name, f] of Object.entries(opts.funcs ?? {})) funcs.set(name, typeof f === "function" ? { min: 0, fn: (a) => f(...a) } : f);
  const state = new State(ast, funcs, [{ name: "$", value: data }], 0);
  try {
    state.walk(data, ast.root);
  } catch (e) {
    if (e instanceof RangeError && /call stack/.test(e.message)) state.errorf("exceeded maximum template depth");
    throw e;
  }
  return state.out.join("");
}

/** Go's exec state: where the output goes, and the structure of the template (text, if, with, range, template). */
class State extends Evaluator {
  readonly out: string[] = [];

  constructor(
    private readonly ast: TemplateAST,
    funcs: Map<string, TemplateFunction>,
    vars: Variable[],
    private readonly depth: number,
    out?: string[],
  ) {
    super(funcs, vars, ast.root);
    if (out) this.out = out;
  }

  walk(dot: unknown, node: Node | ListNode): void {
    this.at(node);
    switch (node.type) {
      case "list":
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case "text":
        this.out.push(node.text);
        return;
      case "action": {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case "if":
      case "with": {
        const mark = this.vars.length;
        const val = this.evalPipeline(dot, node.pipe);
        if (isTrue(val)) this.walk(node.type === "with" ? val : dot, node.list);
        else if (node.elseList) this.walk(dot, node.elseList);
        this.vars.length = mark;
        return;
      }
      case "range":
        return this.walkRange(dot, node);
      case "template": {
        const tmpl = this.ast.templates.get(node.name) ?? (node.name === "" ? this.ast.root : undefined);
        if (!tmpl) this.errorf(`template ${JSON.stringify(node.name)} not defined`);
        if (this.depth >= MAX_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
        const newDot = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined;
        new State(this.ast, this.funcs, [{ name: "$", value: newDot }], this.depth + 1, this.out).walk(newDot, tmpl);
        return;
      }
      case "break":
        throw new BreakSignal();
      case "continue":
        throw new ContinueSignal();
    }
  }

  private walkRange(dot: unknown, r: RangeNode): void {
    const outer = this.vars.length;
    const val = this.evalPipeline(dot, r.pipe);
    const mark = this.vars.length;
    const { decl, isAssign } = r.pipe;
    const oneIteration = (index: unknown, elem: unknown) => {
      if (decl.length > 0) {
        if (isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
        else this.vars[this.vars.length - 1]!.value = elem;
      }
      if (decl.length > 1) {
        if (isAssign) this.setVar(decl[1]!.ident[0]!, elem);
        else this.vars[this.vars.length - 2]!.value = index;
      }
      try {
        this.walk(elem, r.list);
      } catch (e) {
        if (!(e instanceof ContinueSignal)) throw e;
      } finally {
        this.vars.length = mark;
      }
    };
    let ran = false;
    try {
      switch (kindOf(val)) {
        case "int": {
          if (decl.length > 1) this.errorf(`can't use ${formatValue(val)} to iterate over more than one variable`);
          const n = Number(val);
          for (let i = 0; i < n; i++, ran = true) oneIteration(undefined, i);
          break;
        }
        case "slice":
          (val as unknown[]).forEach((e, i) => {
            ran = true;
            oneIteration(i, e);
          });
          break;
        case "map":
          for (const k of mapKeys(val as object)) {
            ran = true;
            oneIteration(k, mapGet(val as object, k));
          }
          break;
        case "nil":
          break;
        default:
          this.at(r);
          this.errorf(`range can't iterate over ${formatValue(val)}`);
      }
      if (!ran && r.elseList) this.walk(dot, r.elseList);
    } catch (e) {
      if (!(e instanceof BreakSignal)) throw e;
    } finally {
      this.vars.length = outer;
    }
  }

  private printValue(node: Node, v: unknown): void {
    this.at(node);
    if (v === undefined || v === null) this.out.push("<no value>");
    else if (typeof v === "function") this.errorf(`can't print ${nodeString(node)} of type func`);
    else this.out.push(formatValue(v));
  }
}
