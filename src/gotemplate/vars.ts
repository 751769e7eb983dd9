import type { ArgNode, ListNode, Node, PipeNode, TemplateAST } from "./ast.js";
import { TemplateSyntaxError } from "./errors.js";

/**
 * Ollama's Template.Vars(): every field and variable name the template uses
 * (in pipelines, if/range/with conditions and their bodies, across all
 * defined templates), lower-cased, sorted and unique. Ollama decides from it
 * whether a template is "messages"-style or legacy prompt/response style.
 *
 * Like Ollama, rejects `{{template "x"}}` without a pipeline ("undefined
 * template specified"), which Ollama's Parse turns into a load error.
 */
export function templateVars(ast: TemplateAST): string[] {
  const names: string[] = [];
  const lists = [ast.root, ...ast.templates.values()];
  for (const list of lists) walkList(list, names);
  return [...new Set(names.map((n) => n.toLowerCase()))].sort();
}

function walkList(list: ListNode, names: string[]): void {
  for (const n of list.nodes) walkNode(n, names);
}

function walkNode(n: Node, names: string[]): void {
  switch (n.type) {
    case "action":
      return walkPipe(n.pipe, names);
    case "template":
      if (!n.pipe) {
        throw new TemplateSyntaxError("undefined template specified", n.offset, n.end - n.offset, "MS7008", `pass the data along: {{ template ${JSON.stringify(n.name)} . }}`);
      }
      return walkPipe(n.pipe, names);
    case "if":
    case "range":
    case "with":
      walkPipe(n.pipe, names);
      walkList(n.list, names);
      if (n.elseList) walkList(n.elseList, names);
      return;
  }
}

function walkPipe(p: PipeNode, names: string[]): void {
  for (const c of p.cmds) for (const a of c.args) walkArg(a, names);
}

function walkArg(a: ArgNode, names: string[]): void {
  if (a.type === "field" || a.type === "variable") names.push(...a.ident);
  else if (a.type === "pipe") walkPipe(a, names);
}
