/**
 * The fenced blocks of a Markdown page that the doc tests act on. Grammar of
 * the info string (the text after the opening fence):
 *
 *     info    = lang *( SP attr )
 *     attr    = "exit=" 1*DIGIT      ; the exit status the block must end with (default 0)
 *             / "serve"              ; started in the background, stopped when the page ends
 *             / "norun"              ; shown, never run (say why in the text around it)
 *             / "file=" path         ; any lang: the block's text is written to path first
 *
 * Blocks whose lang is `sh` are commands; every other block is prose, unless
 * it has `file=`. Only ``` fences at the start of a line count.
 */
export type DocBlock =
  | { kind: "sh"; line: number; text: string; exit: number; serve: boolean; run: boolean }
  | { kind: "file"; line: number; text: string; path: string };

export function docBlocks(markdown: string): DocBlock[] {
  const lines = markdown.split("\n");
  const out: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    const text = body.join("\n") + "\n";
    const attrs = open[2]!.trim().split(/\s+/).filter((a) => a !== "");
    const file = attrs.find((a) => a.startsWith("file="))?.slice("file=".length);
    if (file !== undefined) out.push({ kind: "file", line: start + 1, text, path: file });
    else if (open[1] === "sh") {
      const exit = Number(attrs.find((a) => a.startsWith("exit="))?.slice("exit=".length) ?? 0);
      out.push({ kind: "sh", line: start + 1, text, exit, serve: attrs.includes("serve"), run: !attrs.includes("norun") });
    }
  }
  return out;
}
