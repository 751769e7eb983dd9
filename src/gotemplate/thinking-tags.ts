import type { ArgNode, ListNode, Node, PipeNode, RangeNode, TemplateAST } from "./ast.js";

type Visited = Node | ListNode | PipeNode | ArgNode | { type: "command"; args: ArgNode[] };

/**
 * Ollama's thinking.InferTags: the tags around a thinking trace in a TEMPLATE,
 * or ["", ""] when it has none. The heuristic, as Ollama has it: find a
 * `.Thinking` field inside a `range` over `.Messages`, go up to the nearest
 * list and take its first and last text nodes (trimmed) as the opening and
 * closing tags. A template can think when both are non-empty. Only the main
 * template is walked, as Ollama walks `Tree.Root`.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/thinking/template.go#L55-L110
 */
export function inferThinkingTags(ast: TemplateAST): [opening: string, closing: string] {
  const ancestors: Visited[] = [];
  let opening = "";
  let closing = "";
  const enter = (n: Visited): void => {
    if (n.type !== "field" || n.ident[0] !== "Thinking") return;
    const range = [...ancestors].reverse().find((a): a is RangeNode => a.type === "range");
    if (!range || !usesField(range.pipe, "Messages")) return;
    const list = [...ancestors].reverse().find((a): a is ListNode => a.type === "list");
    if (!list || list.nodes.length === 0) return;
    const first = list.nodes[0]!;
    const last = list.nodes[list.nodes.length - 1]!;
    if (first.type === "text") opening = first.text.trim();
    if (last.type === "text") closing = last.text.trim();
  };
  visit(ast.root, ancestors, enter);
  return [opening, closing];
}

function usesField(pipe: PipeNode, name: string): boolean {
  let found = false;
  visit(pipe, [], (n) => {
    if (n.type === "field" && n.ident[0] === name) found = true;
  });
  return found;
}

/** Go's templateVisit in thinking/template.go: pre-order, with the path from the root. */
function visit(n: Visited, ancestors: Visited[], enter: (n: Visited) => void): void {
  ancestors.push(n);
  enter(n);
  switch (n.type) {
    case "list":
      for (const c of n.nodes) visit(c, ancestors, enter);
      break;
    case "if":
    case "range":
    case "with":
      visit(n.pipe, ancestors, enter);
      visit(n.list, ancestors, enter);
      if (n.elseList) visit(n.elseList, ancestors, enter);
      break;
    case "action":
      visit(n.pipe, ancestors, enter);
      break;
    case "template":
      if (n.pipe) visit(n.pipe, ancestors, enter);
      break;
    case "pipe":
      for (const c of n.cmds) visit({ type: "command", args: c.args }, ancestors, enter);
      break;
    case "command":
      for (const a of n.args) visit(a, ancestors, enter);
      break;
  }
  ancestors.pop();
}
