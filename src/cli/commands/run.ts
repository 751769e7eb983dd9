import { homedir } from "node:os";
import type { Argv, CommandModule, Options } from "yargs";
import { error, InputError } from "../../diagnostics/index.js";
import { PARAMETERS } from "../../modelfile/parameters.js";
import type { GenerateResult, OptionMap, RuntimeModel } from "../../runtime/index.js";
import { parseOptionText } from "../../runtime/options.js";
import { ollamaTimingFields, ollamaTimingSummary } from "../../runtime/timing-summary.js";
import { resolveStoreRoot } from "../../store/index.js";
import type { CliContext } from "../context.js";
import { chatUsage } from "../chat-help.js";
import { withBuildHint } from "../next-steps.js";

export interface RunArgs {
  model: string;
  prompt?: string[];
  verbose?: boolean;
  parameter?: string | string[];
  json?: boolean;
}

/** Where `run` reads a piped prompt or the chat's lines from: process.stdin unless a test gives another. */
export interface RunInput {
  isTTY: boolean;
  stream: NodeJS.ReadableStream;
}

const processInput: RunInput = {
  get isTTY() {
    return Boolean(process.stdin.isTTY);
  },
  stream: process.stdin,
};

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * `modelsmith run <model> [prompt..] [--verbose] [-p key=value] [--json]`, as
 * `ollama run`: the prompt is the words after the model; piped stdin comes
 * first, joined to them with a space. One answer is streamed to stdout (with
 * `--json`: one JSON document instead, with Ollama's API field names). Without
 * a prompt on a terminal: Ollama's interactive chat (../chat.ts: `/?`,
 * `/set`, `/show`, `/load`, `/clear`, `/bye`, `"""`), listed in `run --help`. `-p` overrides a PARAMETER, typed by the
 * parameters table (repeat `-p stop=...` for several); so does `--num-ctx 4096`
 * (one option per PARAMETER, dashes or underscores), and `-p` wins over it. `--verbose` prints
 * Ollama's timing figures to stderr. The store is `$MODELSMITH_HOME`.
 */
export function runCommand(ctx: CliContext, input: RunInput = processInput): CommandModule<object, RunArgs> {
  return {
    command: "run <model> [prompt..]",
    describe: "Run a built model: one answer, or an interactive chat without a prompt on a terminal",
    builder: (y) =>
      y
        .positional("model", { type: "string", demandOption: true, describe: "Model name, e.g. code-assistant or code-assistant:q4_k_m" })
        .positional("prompt", { type: "string", array: true, describe: "The prompt (words are joined with spaces)" })
        .option("verbose", { type: "boolean", default: false, describe: "Print timings (load, prompt eval, eval) to stderr" })
        // Not `array: true`: an array option would swallow the prompt words after it; repeats still collect.
        .option("parameter", { alias: "p", type: "string", describe: "Override a PARAMETER: -p temperature=0.2 (repeatable)" })
        .options(parameterOptions())
        .epilog(`Without a prompt, on a terminal, run starts a chat. Its commands:\n${chatUsage().trimEnd().split("\n").slice(1).join("\n")}`) as unknown as Argv<RunArgs>,
    handler: async (args) => {
      const overrides = typedOverrides([...parameterFlags(args), ...parameterArgs(args.parameter === undefined ? [] : ([] as string[]).concat(args.parameter))]);
      let prompt = (args.prompt ?? []).join(" ");
      const piped = !input.isTTY;
      if (piped) prompt = [await readAll(input.stream), ...(args.prompt ?? [])].filter((s) => s !== "").join(" ");
      const interactive = !piped && prompt === "";
      if (piped && prompt === "") throw new InputError(error("MS8011", "no prompt: stdin was empty and no prompt was given"));
      const root = resolveStoreRoot(ctx.env, homedir(), process.cwd());
      // Loaded here, not at start-up: node-llama-cpp takes a third of a second to import.
      const { openModel } = await import("../../runtime/open-model.js");
      const model = await withBuildHint(args.model, ".", () => openModel(root, args.model, { overrides, onWarning: (d) => ctx.report([d]) }));
      let open = model;
      try {
        if (interactive) {
          const { chat } = await import("../chat.js");
          const reopen = (name: string) => withBuildHint(name, ".", () => openModel(root, name, { overrides, onWarning: (d) => ctx.report([d]) }));
          open = await chat({ model, open: reopen, input: input.stream, stdout: ctx.stdout, stderr: ctx.stderr, storeRoot: root, verbose: Boolean(args.verbose) });
        } else await answer(ctx, model, prompt, Boolean(args.verbose), Boolean(args.json));
      } finally {
        await open.close();
      }
    },
  };
}

/** `--num-ctx 4096` (or `--num_ctx`): one option per PARAMETER, as the Ollama tutorial writes `ollama run mistral --num-ctx 4096`. */
function parameterOptions(): Record<string, Options> {
  const out: Record<string, Options> = {};
  for (const [name, spec] of Object.entries(PARAMETERS)) {
    const flag = name.replaceAll("_", "-");
    // A string, not an array: an array option would swallow the prompt words after it; repeats (--stop) still collect.
    out[flag] = { type: "string", group: "Parameters (same as -p name=value):", describe: spec.description, ...(flag !== name ? { alias: name } : {}) };
  }
  return out;
}

/** One override as the user wrote it: where (for messages), the PARAMETER's name, its text. */
interface OverrideItem {
  label: string;
  name: string;
  text: string;
}

/** The PARAMETER options given on the command line, in the order of the table; a repeated one (--stop) gives one item each. */
function parameterFlags(args: object): OverrideItem[] {
  return Object.keys(PARAMETERS).flatMap((name) => {
    const flag = name.replaceAll("_", "-");
    const v = (args as Record<string, unknown>)[flag];
    return v === undefined ? [] : ([] as unknown[]).concat(v).map((x) => ({ label: `--${flag}`, name, text: String(x) }));
  });
}

/** `-p key=value` items; MS8010 for a missing `=`. */
function parameterArgs(list: readonly string[]): OverrideItem[] {
  return list.map((item) => {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new InputError(error("MS8010", `-p ${JSON.stringify(item)}: expected key=value`, { hint: "e.g. -p temperature=0.2" }));
    return { label: "-p", name: item.slice(0, eq), text: item.slice(eq + 1) };
  });
}

/** Overrides typed by the parameters table (MS8001/MS8002 otherwise); a later item wins, stop sequences add up. */
function typedOverrides(items: readonly OverrideItem[]): OptionMap {
  const out: OptionMap = {};
  for (const { label, name, text } of items) {
    const value = parseOptionText(name, text, label);
    if (value === undefined) continue;
    const prev = out[name];
    out[name] = Array.isArray(prev) && Array.isArray(value) ? [...prev, ...value] : value;
  }
  return out;
}

async function answer(ctx: CliContext, model: RuntimeModel, prompt: string, verbose: boolean, json: boolean): Promise<void> {
  const r = await model.generate({ prompt, ...(json ? {} : { onToken: (t: string) => ctx.stdout.write(t) }) });
  if (json) ctx.json(apiResponse(model, r));
  else ctx.stdout.write("\n");
  if (verbose) ctx.stderr.write(ollamaTimingSummary(r));
}

/** The result under the field names of Ollama's /api/generate response. */
function apiResponse(model: RuntimeModel, r: GenerateResult) {
  return {
    model: model.name,
    response: r.text,
    done: true,
    done_reason: r.finishReason,
    ...ollamaTimingFields(r),
  };
}
