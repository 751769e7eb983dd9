import { isMap, isScalar, isSeq, Lexer, parseDocument, type Document, type Node } from "yaml";
import { error, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import { LineIndex } from "../diagnostics/position.js";

export type YamlPath = readonly (string | number)[];

/**
 * A YAML file parsed with the positions of its nodes kept, so that validation
 * problems can point at the exact key or value. Used for the project file and
 * for test files.
 */
export class YamlSource {
  readonly doc: Document.Parsed;
  readonly lines: LineIndex;
  readonly diagnostics: Diagnostic[] = [];
  private readonly js: unknown;

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    this.lines = new LineIndex(text);
    this.doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
    for (const e of [...this.doc.errors, ...this.doc.warnings]) {
      // yaml reports an unclosed quote where the file ends; the opening quote is where it is to be fixed.
      const opening = e.code === "MISSING_CHAR" && /closing ["']?quote/.test(e.message) ? unclosedQuoteAt(text, e.pos[0]) : undefined;
      const [start, end] = opening !== undefined ? [opening, opening + 1] : e.pos;
      this.diagnostics.push(
        error("MS4001", `invalid YAML: ${/call stack/i.test(e.message) ? "nested too deeply" : e.message.split("\n")[0]}`, {
          file,
          range: this.lines.range(start, end),
          hint: e.code === "DUPLICATE_KEY" ? "each key may appear once in a map" : opening !== undefined ? "this quote is never closed: the string runs on to the end of the file" : undefined,
        }),
      );
    }
    if (this.doc.errors.length === 0) {
      try {
        this.js = this.doc.toJS();
      } catch (e) {
        // Nesting the parser took but the conversion cannot (a stack overflow), or an alias bomb (yaml's maxAliasCount).
        this.diagnostics.push(error("MS4001", `invalid YAML: ${e instanceof RangeError ? "nested too deeply" : (e as Error).message.split("\n")[0]}`, { file }));
      }
    }
  }

  /** The plain JS value (undefined when the YAML did not parse). */
  value(): unknown {
    return this.js;
  }

  /**
   * The range of the node at `path` (or of its key, when `key` is set and the
   * node is a map entry). Falls back to the nearest existing ancestor.
   */
  rangeAt(path: YamlPath, opts: { key?: boolean } = {}): SourceRange {
    let node: unknown = this.doc.contents;
    let best: SourceRange = this.lines.range(0, 0);
    if (isNodeWithRange(node)) best = this.nodeRange(node);
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
        if (!pair) return best;
        const last = i === path.length - 1;
        if (last && opts.key && isNodeWithRange(pair.key)) return this.nodeRange(pair.key);
        node = pair.value;
        if (isNodeWithRange(node)) best = this.nodeRange(node);
        else if (isNodeWithRange(pair.key)) best = this.nodeRange(pair.key);
      } else if (isSeq(node) && (typeof seg === "number" || /^(0|[1-9]\d*)$/.test(seg))) {
        // ajv's instance paths name list items by numeric strings (`tests/0/assert`).
        node = node.items[Number(seg)];
        if (isNodeWithRange(node)) best = this.nodeRange(node);
        else return best;
      } else return best;
    }
    return best;
  }

  private nodeRange(node: Node): SourceRange {
    const [start, valueEnd] = node.range!;
    return this.lines.range(start, valueEnd);
  }
}

function isNodeWithRange(n: unknown): n is Node {
  return typeof n === "object" && n !== null && Array.isArray((n as Node).range);
}

/** The offset of the opening quote of the quoted scalar that runs to `errorAt` without its closing quote (yaml's lexer tokens). */
function unclosedQuoteAt(text: string, errorAt: number): number | undefined {
  let offset = 0;
  let found: number | undefined;
  for (const token of new Lexer().lex(text)) {
    const q = token[0];
    if ((q === '"' || q === "'") && offset <= errorAt) {
      const body = token.trimEnd();
      const closed = body.length > 1 && body.endsWith(q) && (q === "'" || !/(^|[^\\])(\\\\)*\\"$/.test(body));
      if (!closed) found = offset;
    }
    offset += token.length;
  }
  return found;
}
