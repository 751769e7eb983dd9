import type { ArgNode, ChainNode, CommandNode, FieldNode, IdentifierNode, ListNode, Node, NumberNode, PipeNode, RangeNode, TemplateAST, VariableNode } from "./ast.js";
import { nodeString } from "./ast.js";
import { BUILTINS, type TemplateFunction } from "./builtins.js";
import { TemplateExecError } from "./errors.js";
import { formatValue } from "./format.js";
import { ollamaFunctions } from "./functions.js";
import { GoFloat, isTrue, kindOf, mapGet, mapKeys, methodOf, typeName } from "./values.js";

export interface RenderOptions {
  /** Extra functions (their names must also be given to parseTemplate). Plain JS functions take any arguments. */
  funcs?: Record<string, TemplateFunction | ((...args: unknown[]) => unknown)>;
  /** The clock behind currentDate/yesterdayDate; default the system clock. */
  now?: () => Date;
}

/** Nested {{template}} calls allowed before giving up (Go allows 100000; JS stacks are smaller). */
const MAX_DEPTH = 1000;
const MISSING: unique symbol = Symbol("missing");
type Final = unknown;
class BreakSignal {}
class ContinueSignal {}
interface Variable {
  name: string;
  value: unknown;
}
type Located = Node | ArgNode | CommandNode | ListNode;

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

class State {
  readonly out: string[] = [];
  private node: Located;

  constructor(
    private readonly ast: TemplateAST,
    private readonly funcs: Map<string, TemplateFunction>,
    private vars: Variable[],
    private readonly depth: number,
    out?: string[],
  ) {
    this.node = ast.root;
    if (out) this.out = out;
  }

  errorf(message: string): never {
    const n = this.node;
    throw new TemplateExecError(message, n.offset, n.end - n.offset, nodeString(n));
  }

  private at(node: Located): void {
    this.node = node;
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.errorf(`undefined variable: ${name}`);
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

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.vars.push({ name: v.ident[0]!, value });
    }
    return value;
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.type) {
      case "field":
        return this.evalFieldNode(dot, first, cmd.args, final);
      case "chain":
        return this.evalChainNode(dot, first, cmd.args, final);
      case "identifier":
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case "pipe":
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case "variable":
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case "bool":
        return first.value;
      case "dot":
        return dot;
      case "nil":
        this.errorf("nil is not a command");
      case "number":
        return this.idealConstant(first);
      case "string":
        return first.text;
    }
  }

  /** An untyped number: float when written with ".eEpP" (and not hex or a rune), else int. */
  private idealConstant(n: NumberNode): unknown {
    this.at(n);
    if (n.isComplex) this.errorf(`complex constant ${n.text} is not supported`);
    const hexInt = /^[+-]?0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    if (n.isFloat && !hexInt && !n.text.startsWith("'") && /[.eEpP]/.test(n.text)) return new GoFloat(n.float);
    if (n.isInt) return n.int;
    this.errorf(`${n.text} overflows int`);
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: ArgNode[], final: Final): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: ArgNode[], final: Final): unknown {
    this.at(chain);
    if (chain.node.type === "nil") this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const receiver = this.evalArg(dot, chain.node);
    return this.evalFieldChain(dot, receiver, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: unknown, v: VariableNode, args: ArgNode[], final: Final): unknown {
    this.at(v);
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: ArgNode, ident: string[], args: ArgNode[], final: Final): unknown {
    let r = receiver;
    let fromMap = false;
    for (let i = 0; i < ident.length; i++) {
      const last = i === ident.length - 1;
      const next = this.evalField(dot, ident[i]!, node, last ? args : [], last ? final : MISSING, r, fromMap);
      fromMap = kindOf(r) === "map";
      r = next;
    }
    return r;
  }

  /**
   * `.Name` on a value: a method call, a struct field or a map entry. `fromMap`
   * says the receiver was itself read from a map in this chain: Go holds it as an
   * `interface {}`, so nil is an error there (Ollama runs with missingkey=zero)
   * and type errors name "interface {}". A nil receiver from a variable, a
   * parenthesized pipeline or dot yields nil, as Go's invalid values do.
   */
  private evalField(dot: unknown, name: string, node: ArgNode, args: ArgNode[], final: Final, receiver: unknown, fromMap: boolean): unknown {
    if (receiver === undefined || receiver === null) {
      if (fromMap) this.errorf(`nil pointer evaluating interface {}.${name}`);
      return undefined;
    }
    const method = methodOf(receiver, name);
    if (method) return this.evalCall(dot, { min: 0, fn: (a) => method(...a) }, false, node, name, args.slice(1), final);
    const hasArgs = args.length > 1 || final !== MISSING;
    const kind = kindOf(receiver);
    if (kind === "struct" && Object.hasOwn(receiver as object, name)) {
      if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
      return (receiver as Record<string, unknown>)[name];
    }
    if (kind === "map") {
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      return mapGet(receiver as object, name);
    }
    this.errorf(`can't evaluate field ${name} in type ${fromMap ? "interface {}" : typeName(receiver)}`);
  }

  private evalFunction(dot: unknown, node: IdentifierNode, at: Located, args: ArgNode[], final: Final): unknown {
    this.at(node);
    const fn = this.funcs.get(node.name);
    if (!fn) this.errorf(`${JSON.stringify(node.name)} is not a defined function`);
    return this.evalCall(dot, fn, node.name in BUILTINS, at, node.name, args.slice(1), final);
  }

  private evalCall(dot: unknown, fn: TemplateFunction, isBuiltin: boolean, node: Located, name: string, args: ArgNode[], final: Final): unknown {
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    if (fn.max === undefined) {
      if (numIn < fn.min) this.errorf(`wrong number of args for ${name}: want at least ${fn.min} got ${args.length}`);
    } else if (numIn < fn.min || numIn > fn.max) {
      this.errorf(`wrong number of args for ${name}: want ${fn.min} got ${numIn}`);
    }
    if (isBuiltin && (name === "and" || name === "or")) {
      let v: unknown;
      for (const arg of args) {
        v = this.evalArg(dot, arg);
        if (isTrue(v) === (name === "or")) return v;
      }
      return final !== MISSING ? final : v;
    }
    const argv = args.map((a) => this.evalArg(dot, a));
    if (final !== MISSING) argv.push(final);
    argv.forEach((v, i) => {
      if (fn.stringArgs !== "all" && !fn.stringArgs?.includes(i)) return;
      const n = args[i];
      if (n?.type === "nil") this.errorf("cannot assign nil to string");
      if (n?.type === "number" || n?.type === "bool") this.errorf(`expected string; found ${nodeString(n)}`);
      if (v === undefined || v === null) this.errorf("invalid value; expected string");
      if (typeof v !== "string") this.errorf(`wrong type for value; expected string; got ${typeName(v)}`);
    });
    try {
      return fn.fn(argv);
    } catch (e) {
      if (e instanceof TemplateExecError || e instanceof BreakSignal || e instanceof ContinueSignal) throw e;
      this.at(node);
      this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private evalArg(dot: unknown, n: ArgNode): unknown {
    this.at(n);
    switch (n.type) {
      case "dot":
        return dot;
      case "nil":
        return undefined;
      case "field":
        return this.evalFieldNode(dot, n, [n], MISSING);
      case "variable":
        return this.evalVariableNode(dot, n, [], MISSING);
      case "pipe":
        return this.evalPipeline(dot, n);
      case "identifier":
        return this.evalFunction(dot, n, n, [], MISSING);
      case "chain":
        return this.evalChainNode(dot, n, [], MISSING);
      case "bool":
        return n.value;
      case "number":
        return this.idealConstant(n);
      case "string":
        return n.text;
    }
  }
}
