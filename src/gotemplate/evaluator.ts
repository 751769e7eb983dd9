import type { ArgNode, ChainNode, CommandNode, FieldNode, IdentifierNode, ListNode, Node, NumberNode, PipeNode, VariableNode } from "./ast.js";
import { nodeString } from "./ast.js";
import { BUILTINS, type TemplateFunction } from "./builtins.js";
import { TemplateExecError } from "./errors.js";
import { BreakSignal, ContinueSignal } from "./signals.js";
import { GoFloat, isTrue, kindOf, mapGet, methodOf, typeName } from "./values.js";

/** No value piped in from the previous command of a pipeline. */
const MISSING: unique symbol = Symbol("missing");
type Final = unknown;
export interface Variable {
  name: string;
  value: unknown;
}
/** A node an error can point at. */
export type Located = Node | ArgNode | CommandNode | ListNode;

/**
 * The evaluation half of Go's `text/template/exec.go`: pipelines, commands,
 * fields, methods, function calls and arguments, with the variables in scope
 * and Go's error texts. The renderer (exec.ts) walks the template's structure
 * and calls it.
 */
export abstract class Evaluator {
  private node: Located;

  constructor(
    protected readonly funcs: Map<string, TemplateFunction>,
    protected vars: Variable[],
    start: Located,
  ) {
    this.node = start;
  }

  errorf(message: string): never {
    const n = this.node;
    throw new TemplateExecError(message, n.offset, n.end - n.offset, nodeString(n));
  }

  protected at(node: Located): void {
    this.node = node;
  }

  protected setVar(name: string, value: unknown): void {
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

  protected evalPipeline(dot: unknown, pipe: PipeNode): unknown {
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
