import { createInterface } from "node:readline/promises";
import { ModelsmithError } from "../diagnostics/errors.js";
import type { ChatMessage, OptionMap, RuntimeModel } from "../runtime/index.js";
import { parseOptionText } from "../runtime/options.js";
import { ollamaTimingSummary } from "../runtime/timing-summary.js";
import { chatUsage, parametersUsage, setUsage, showUsage } from "./chat-help.js";
import { showSection } from "./chat-show.js";

/** What the chat needs from `run`: the model it starts with, how to open another (`/load`), where to write. */
export interface ChatOptions {
  model: RuntimeModel;
  /** Opens a built model by name (`/load`); throws MS5102 when the store has no such model. */
  open(name: string): Promise<RuntimeModel>;
  input: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The store, for `/show`. */
  storeRoot: string;
  verbose: boolean;
}

/** The session's state, as Ollama's runOptions keeps it: the history, a /set system, /set parameters, /set format. */
export interface ChatSession {
  model: RuntimeModel;
  messages: ChatMessage[];
  system?: string;
  options: OptionMap;
  format?: "json";
  verbose: boolean;
}

/**
 * Ollama's interactive chat (`ollama run MODEL` on a terminal), with its
 * commands and messages (ollama/ollama cmd/interactive.go): `/?` and `/help`,
 * `/set parameter|system|format|noformat|verbose|quiet`, `/show
 * info|license|modelfile|parameters|system|template`, `/load MODEL`, `/clear`,
 * `/bye` (and `/exit`), and `"""` to start and end a message of several
 * lines (also `/set system """…"""`). Prompts `>>> `, and `... ` inside a
 * multi-line message. The answer streams to stdout, the history is kept until
 * `/clear` or `/load`; help goes to stderr as Ollama's does. Ends at `/bye` or
 * end of input (Ctrl+D). Returns the model open at the end (after `/load`, not
 * the one it was given): the caller closes it.
 */
export async function chat(o: ChatOptions): Promise<RuntimeModel> {
  const out = (text: string) => o.stdout.write(`${text}\n`);
  const err = (text: string) => o.stderr.write(text);
  const s: ChatSession = { model: o.model, messages: [], options: {}, verbose: o.verbose };
  const rl = createInterface({ input: o.input, output: o.stdout, prompt: ">>> " });
  let multiline: "none" | "prompt" | "system" = "none";
  let sb = "";
  const prompt = () => {
    rl.setPrompt(multiline === "none" ? ">>> " : "... ");
    rl.prompt();
  };
  const lines = lineQueue(rl);
  try {
    prompt();
    for (let line = await lines.next(); line !== undefined; line = await lines.next()) {
      if (multiline !== "none") {
        // Inside """: lines gather until one ends with """.
        const closed = line.endsWith('"""');
        sb += closed ? line.slice(0, -3) : `${line}\n`;
        if (!closed) {
          prompt();
          continue;
        }
        const was = multiline;
        multiline = "none";
        if (was === "system") {
          setSystem(s, sb);
          out("Set system message.");
          sb = "";
          prompt();
          continue;
        }
      } else if (line.startsWith('"""')) {
        const rest = line.slice(3);
        if (rest.endsWith('"""')) sb += rest.slice(0, -3);
        else {
          sb += `${rest}\n`;
          multiline = "prompt";
          prompt();
          continue;
        }
      } else if (line.startsWith("/")) {
        const args = line.trim().split(/\s+/);
        const cmd = args[0]!;
        if (cmd === "/bye" || cmd === "/exit") break;
        if (cmd === "/?" || cmd === "/help") {
          const topic = args[1]?.replace(/^\//, "");
          err(topic === "set" ? setUsage() : topic === "show" ? showUsage() : topic === undefined ? chatUsage() : "");
        } else if (cmd === "/clear") {
          s.messages = s.system !== undefined ? [{ role: "system", content: s.system }] : [];
          out("Cleared session context");
        } else if (cmd === "/load") {
          if (args.length !== 2) out("Usage:\n  /load <modelname>");
          else await load(s, args[1]!, o, out);
        } else if (cmd === "/set") {
          const opened = set(s, args, line, out, err);
          if (opened !== undefined) {
            sb = opened;
            multiline = "system";
          }
        } else if (cmd === "/show") {
          if (args.length < 2) err(showUsage());
          else await showSection(s, args[1]!, o.storeRoot, out, err);
        } else out(`Unknown command '${cmd}'. Type /? for help`);
        prompt();
        continue;
      } else sb += line;

      if (sb !== "") {
        s.messages.push({ role: "user", content: sb });
        sb = "";
        const r = await s.model.generate({ messages: [...s.messages], options: s.options, ...(s.format ? { format: s.format } : {}), onToken: (t) => o.stdout.write(t) });
        s.messages.push({ role: "assistant", content: r.text });
        o.stdout.write("\n\n");
        if (s.verbose) err(ollamaTimingSummary(r));
      }
      prompt();
    }
  } finally {
    rl.close();
    // readline pauses its input on close only when it does not think it paused it already; a
    // terminal left reading (flowing, with the keypress decoder's 'data' listener) keeps the
    // process from exiting after /bye. Pause it here whatever readline's state.
    o.input.pause();
  }
  return s.model;
}

/**
 * The lines of `rl`, one at a time, undefined at its end. Every 'line' event is
 * queued from the moment this is called, so lines typed ahead while an answer
 * is generated (or arriving together, as from a pseudo-terminal) are kept in
 * order, without readline's async iterator.
 */
function lineQueue(rl: ReturnType<typeof createInterface>): { next(): Promise<string | undefined> } {
  const queued: string[] = [];
  let closed = false;
  let waiting: ((line: string | undefined) => void) | undefined;
  rl.on("line", (line: string) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(line);
    } else queued.push(line);
  });
  rl.on("close", () => {
    closed = true;
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(undefined);
    }
  });
  return {
    next: () => {
      if (queued.length > 0) return Promise.resolve(queued.shift());
      if (closed) return Promise.resolve(undefined);
      return new Promise((resolve) => (waiting = resolve));
    },
  };
}

/** `/set system`: the session's system message, replacing a system message last in the history (Ollama's rule). */
function setSystem(s: ChatSession, text: string): void {
  s.system = text;
  const msg: ChatMessage = { role: "system", content: text };
  if (s.messages.at(-1)?.role === "system") s.messages[s.messages.length - 1] = msg;
  else s.messages.push(msg);
}

/**
 * `/set …`. Returns the start of a system message when `/set system """`
 * opens one of several lines (the caller gathers the rest), else undefined.
 */
function set(s: ChatSession, args: string[], line: string, out: (t: string) => void, err: (t: string) => void): string | undefined {
  switch (args[1]) {
    case undefined:
      err(setUsage());
      return undefined;
    case "parameter": {
      if (args.length < 4) {
        err(parametersUsage());
        return undefined;
      }
      const [name, values] = [args[2]!, args.slice(3)];
      try {
        const typed = values.map((v) => parseOptionText(name, v, "/set parameter"));
        const value = typed.length > 1 && typed.every(Array.isArray) ? (typed as string[][]).flat() : typed[0];
        if (value === undefined) throw new Error(`unknown parameter '${name}'`);
        s.options[name] = value;
        out(`Set parameter '${name}' to '${values.join(", ")}'`);
      } catch (e) {
        const message = e instanceof ModelsmithError ? e.diagnostics[0]!.message : (e as Error).message;
        out(`Couldn't set parameter: ${JSON.stringify(message)}`);
      }
      return undefined;
    }
    case "system": {
      if (args.length < 3) {
        err(setUsage());
        return undefined;
      }
      // The text after `/set system `, spaces inside kept.
      let text = line.trimStart().replace(/^\/set\s+system\s+/, "");
      if (text.startsWith('"""')) {
        text = text.slice(3);
        if (!text.endsWith('"""')) return `${text}\n`;
        text = text.slice(0, -3);
      }
      setSystem(s, text);
      out("Set system message.");
      return undefined;
    }
    case "format":
      if (args[2] !== "json") out("Invalid or missing format. For 'json' mode use '/set format json'");
      else {
        s.format = "json";
        out("Set format to 'json' mode.");
      }
      return undefined;
    case "noformat":
      delete s.format;
      out("Disabled format.");
      return undefined;
    case "verbose":
      s.verbose = true;
      out("Set 'verbose' mode.");
      return undefined;
    case "quiet":
      s.verbose = false;
      out("Set 'quiet' mode.");
      return undefined;
    default:
      out(`Unknown command '/set ${args[1]}'. Type /? for help`);
      return undefined;
  }
}

/** `/load MODEL`: another built model and an empty history, as in Ollama (its /set parameters stay). */
async function load(s: ChatSession, name: string, o: ChatOptions, out: (t: string) => void): Promise<void> {
  out(`Loading model '${name}'`);
  let next: RuntimeModel;
  try {
    next = await o.open(name);
  } catch (e) {
    if (e instanceof ModelsmithError && e.diagnostics.some((d) => d.code === "MS5102")) {
      out(`Couldn't find model '${name}'`);
      return;
    }
    throw e;
  }
  await s.model.close();
  s.model = next;
  s.messages = [];
}
