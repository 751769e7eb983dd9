import type { ThinkingParser } from "./thinking-parser.js";
import type { ToolCall, ToolParser } from "./tools.js";

/** What the model said, split: its thinking trace, its content and its tool calls. */
export interface Said {
  content: string;
  thinking: string;
  toolCalls: ToolCall[];
}

export const nothingSaid = (): Said => ({ content: "", thinking: "", toolCalls: [] });

/**
 * Ollama's ChatHandler loop over the model's pieces: the thinking parser
 * first (trace apart from content), then the tool parser on the content. A
 * piece yields content when the tool parser lets some through (tool calls
 * found in that same piece are then dropped, as Ollama drops them), else its
 * tool calls, else its thinking; a piece that yields none of these is held
 * (undefined: no chunk).
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L2839-L2880
 */
export class AnswerSplitter {
  constructor(
    private readonly thinking?: ThinkingParser,
    private readonly tools?: ToolParser,
  ) {}

  /** Whether every piece comes out as it went in, as content (no thinking or tool parser): "" gives no chunk. */
  get passthrough(): boolean {
    return !this.thinking && !this.tools;
  }

  add(piece: string): Said | undefined {
    const split = this.thinking ? this.thinking.add(piece) : { content: piece, thinking: "" };
    const said: Said = { ...split, toolCalls: [] };
    if (this.tools) {
      const { calls, content } = this.tools.add(said.content);
      if (content.length > 0) said.content = content;
      else if (calls.length > 0) {
        said.toolCalls = calls;
        said.content = "";
      } else {
        said.content = "";
        if (said.thinking === "") return undefined;
      }
    }
    return said.content === "" && said.thinking === "" && said.toolCalls.length === 0 ? undefined : said;
  }

  /** The content left at the end (the tool parser's held text when no call was found after a `{` tag). */
  end(): string {
    return this.tools ? this.tools.content() : "";
  }

  /** A whole answer: every piece's parts joined, as Ollama's non-streamed chat gathers them. */
  static whole(splitter: AnswerSplitter, pieces: readonly string[]): Said {
    const all = nothingSaid();
    for (const p of pieces) {
      const s = splitter.add(p);
      if (!s) continue;
      all.content += s.content;
      all.thinking += s.thinking;
      all.toolCalls.push(...s.toolCalls);
    }
    all.content += splitter.end();
    return all;
  }
}
