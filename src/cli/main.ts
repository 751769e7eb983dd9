import yargs, { type Argv, type CommandModule, type MiddlewareFunction } from "yargs";
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import { EXIT_CODES, EnvironmentError, InputError, ModelsmithError, exitCodeFor } from "../diagnostics/errors.js";
import { didYouMean, suggest } from "../diagnostics/suggest.js";
import { diagnosticToJSON } from "../diagnostics/render.js";
import { CliContext } from "./context.js";
import { exitOnInterrupt, quietOnClosedStdout } from "./interrupt.js";

type CommandFactory = (ctx: CliContext) => CommandModule<object, any>;

/**
 * Every command's module, in the order --help lists them, loaded on demand:
 * a run imports only the command it names (a name, not an alias), so starting
 * `modelsmith fmt` does not load the build, the server or the runtime. With
 * no command, an alias, --help or a misspelling, all of them load, as yargs
 * needs them to answer.
 */
const COMMAND_MODULES: [name: string, load: () => Promise<CommandFactory>][] = [
  ["init", async () => (await import("./commands/init.js")).initCommand],
  ["fmt", async () => (await import("./commands/fmt.js")).fmtCommand],
  ["check", async () => (await import("./commands/check.js")).checkCommand],
  ["ls", async () => (await import("./commands/ls.js")).lsCommand],
  ["show", async () => (await import("./commands/show.js")).showCommand],
  ["cp", async () => (await import("./commands/cp.js")).cpCommand],
  ["rm", async () => (await import("./commands/rm.js")).rmCommand],
  ["prune", async () => (await import("./commands/prune.js")).pruneCommand],
  ["du", async () => (await import("./commands/du.js")).duCommand],
  ["verify", async () => (await import("./commands/verify.js")).verifyCommand],
  ["export", async () => (await import("./commands/export.js")).exportCommand],
  ["build", async () => (await import("./commands/build.js")).buildCommand],
  ["lock", async () => (await import("./commands/lock.js")).lockCommand],
  ["test", async () => (await import("./commands/test.js")).testCommand],
  ["run", async () => (await import("./commands/run.js")).runCommand],
  ["serve", async () => (await import("./commands/serve.js")).serveCommand],
  ["watch", async () => (await import("./commands/watch.js")).watchCommand],
  ["pull", async () => (await import("./commands/pull.js")).pullCommand],
  ["push", async () => (await import("./commands/push.js")).pushCommand],
];

/** Commands that stop on a signal by themselves (signals.ts): they close their server, and exit 0. */
const OWN_SIGNALS = new Set(["serve", "watch"]);

/** The commands DESIGN.md names, implemented or not, for did-you-mean. */
const COMMANDS = ["init", "build", "lock", "test", "watch", "serve", "run", "pull", "push", "ls", "show", "cp", "rm", "prune", "du", "verify", "fmt", "check", "export"];

/**
 * Runs the CLI on `argv` (without node and script) and returns the exit code.
 * The one place where errors become exit codes: user errors are rendered as
 * diagnostics without a stack (exit 1, 2 or 3 by kind); anything else is a bug
 * (exit 4, with the stack and a request to report it).
 */
export async function main(argv: string[], ctx = new CliContext()): Promise<number> {
  const wantsJson = argv.includes("--json");
  const command = argv.find((a) => !a.startsWith("-"));
  const stopHandling = ctx.stdout === process.stdout && !OWN_SIGNALS.has(command ?? "") ? exitOnInterrupt() : undefined;
  if (ctx.stdout === process.stdout) quietOnClosedStdout();
  try {
    await (await buildParser(argv, ctx)).parseAsync();
    return ctx.exitCode;
  } catch (err) {
    return reportFailure(err, ctx, wantsJson);
  } finally {
    stopHandling?.();
  }
}

async function buildParser(argv: string[], ctx: CliContext): Promise<Argv> {
  const known: { options: string[] } = { options: [] };
  const named = COMMAND_MODULES.filter(([name]) => name === argv.find((a) => !a.startsWith("-")));
  const factories = await Promise.all((named.length > 0 ? named : COMMAND_MODULES).map(([, load]) => load()));
  let parser: Argv = yargs(argv)
    .scriptName("modelsmith")
    .usage("$0 <command> [options]\n\nModels as code: build, test and serve local LLMs from Modelfiles.");
  for (const command of factories) parser = parser.command(command(ctx));
  return parser
    .option("json", { type: "boolean", description: "Print one JSON document on stdout", global: true })
    .demandCommand(1, "name a command; `modelsmith --help` lists them")
    .strict()
    // Runs after the command's options are known and before strict mode rejects an unknown one: keeps them for a did-you-mean.
    .middleware(((_argv: unknown, y: { getOptions(): { key: object } }) => {
      known.options = Object.keys(y.getOptions().key);
    }) as unknown as MiddlewareFunction, true)
    .exitProcess(false)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((message: string | null, err: Error | undefined) => {
      if (err) throw err;
      throw usageError(message ?? "invalid command line", argv, known.options);
    })
    .version()
    .help();
}

function usageError(message: string, argv: string[], options: readonly string[]): InputError {
  const unknown = /^Unknown arguments?: ([^\s,]+)/.exec(message)?.[1];
  const flag = /^Unknown arguments?: ([^\s,]+)/.exec(message)?.[1];
  const written = flag === undefined ? undefined : [`--${flag}`, `--no-${flag}`].find((f) => argv.some((a) => a === f || a.startsWith(`${f}=`)));
  if (flag !== undefined && written !== undefined) {
    const command = argv.find((a) => !a.startsWith("-"));
    const near = suggest(flag, options.filter((o) => o.length > 1 && !/[A-Z]/.test(o)));
    const no = written.startsWith("--no-") ? "no-" : "";
    return new InputError(error("MS9001", `unknown option \`${written}\``, { hint: near ? `did you mean \`--${no}${near}\`?` : `run \`modelsmith ${command ?? "<command>"} --help\` for its options` }));
  }
  const first = argv.find((a) => !a.startsWith("-"));
  if (unknown !== undefined && unknown === first && COMMANDS.includes(unknown)) {
    return new InputError(error("MS9006", `\`modelsmith ${unknown}\` is not available in this version yet`, { hint: "run `modelsmith --help` for the commands this version has" }));
  }
  if (unknown !== undefined && unknown === first) {
    return new InputError(
      error("MS9002", `unknown command \`${unknown}\``, { hint: didYouMean(unknown, COMMANDS) ?? "run `modelsmith --help` for the list of commands" }),
    );
  }
  return new InputError(error("MS9001", message, { hint: "run `modelsmith --help` for usage" }));
}

/**
 * A full disk or a quota is the environment's fault wherever it surfaces
 * (MS5109, exit 3), also from code that did not wrap its own writes.
 */
function environmentFailure(err: unknown): EnvironmentError | undefined {
  if (err instanceof ModelsmithError) return undefined;
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== "ENOSPC" && code !== "EDQUOT") return undefined;
  return new EnvironmentError(error("MS5109", `cannot write: ${(err as Error).message}`, { hint: "the disk is full: free some space (`modelsmith prune` deletes what no model uses), then run again" }), { cause: err });
}

function reportFailure(thrown: unknown, ctx: CliContext, wantsJson: boolean): number {
  const err = environmentFailure(thrown) ?? thrown;
  const code = exitCodeFor(err);
  let diagnostics: Diagnostic[];
  if (err instanceof ModelsmithError) {
    diagnostics = err.diagnostics;
    ctx.report(diagnostics);
  } else {
    const e = err instanceof Error ? err : new Error(String(err));
    diagnostics = [error("MS0000", `internal error: ${e.message}`)];
    ctx.err(`internal error: this is a bug in modelsmith. Please report it with the command you ran and this output:\n${e.stack ?? e.message}`);
  }
  if (wantsJson) ctx.json({ ok: false, exitCode: code, diagnostics: diagnostics.map(diagnosticToJSON) });
  return code === EXIT_CODES.ok ? EXIT_CODES.internal : code;
}
