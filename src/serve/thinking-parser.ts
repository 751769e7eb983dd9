type State = "lookingForOpening" | "startedEatingWhitespace" | "thinking" | "doneEatingWhitespace" | "done";

const trimStart = (s: string) => s.replace(/^\s+/u, "");

/**
 * Ollama's thinking.Parser: splits a model's streamed output into the
 * thinking trace (between the template's opening and closing tags) and the
 * content after it, holding back only what is still ambiguous (a partial
 * tag). Output that does not start with the opening tag (after whitespace)
 * is all content. Whitespace right after either tag is dropped.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/thinking/parser.go
 */
export class ThinkingParser {
  private state: State = "lookingForOpening";
  private acc = "";

  constructor(private readonly opening: string, private readonly closing: string) {}

  /** Adds a piece of output; returns the thinking and the content now unambiguous. */
  add(piece: string): { thinking: string; content: string } {
    this.acc += piece;
    let thinking = "";
    let content = "";
    for (;;) {
      const [t, c, more] = this.eat();
      thinking += t;
      content += c;
      if (!more) return { thinking, content };
    }
  }

  private eat(): [string, string, boolean] {
    switch (this.state) {
      case "lookingForOpening": {
        const trimmed = trimStart(this.acc);
        if (trimmed.startsWith(this.opening)) {
          const after = trimStart(trimmed.split(this.opening).slice(1).join(this.opening));
          this.acc = after;
          this.state = after === "" ? "startedEatingWhitespace" : "thinking";
          return ["", "", true];
        }
        if (this.opening.startsWith(trimmed)) return ["", "", false];
        this.state = "done";
        const untrimmed = this.acc;
        this.acc = "";
        return ["", untrimmed, false];
      }
      case "startedEatingWhitespace": {
        const trimmed = trimStart(this.acc);
        this.acc = "";
        if (trimmed === "") return ["", "", false];
        this.state = "thinking";
        this.acc = trimmed;
        return ["", "", true];
      }
      case "thinking": {
        const acc = this.acc;
        if (acc.includes(this.closing)) {
          const [thinking = "", ...others] = acc.split(this.closing);
          const remaining = trimStart(others.join(this.closing));
          this.acc = "";
          this.state = remaining === "" ? "doneEatingWhitespace" : "done";
          return [thinking, remaining, false];
        }
        const n = overlap(acc, this.closing);
        if (n > 0) {
          this.acc = acc.slice(acc.length - n);
          return [acc.slice(0, acc.length - n), "", false];
        }
        this.acc = "";
        return [acc, "", false];
      }
      case "doneEatingWhitespace": {
        const trimmed = trimStart(this.acc);
        this.acc = "";
        if (trimmed !== "") this.state = "done";
        return ["", trimmed, false];
      }
      case "done": {
        const acc = this.acc;
        this.acc = "";
        return ["", acc, false];
      }
    }
  }
}

/** The longest suffix of `s` that is a prefix of `delim`. */
function overlap(s: string, delim: string): number {
  for (let i = Math.min(delim.length, s.length); i > 0; i--) if (s.endsWith(delim.slice(0, i))) return i;
  return 0;
}
