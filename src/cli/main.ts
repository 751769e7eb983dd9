import { createRequire } from "node:module";
import type yargsFactory from "yargs";
import type { MiddlewareFunction } from "yargs";
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import { EXIT_CODES, InputError, ModelsmithError, exitCodeFor } from "../diagnostics/errors.js";
import { didYouMean, suggest } from "../diagnostics/suggest.js";
import { diagnosticToJSON } from "../diagnostics/render.js";
import { CliContext } from "./context.js";
import { checkCommand } from "./commands/check.js";
import { lsCommand } from "./commands/ls.js";
import { showCommand } from "./commands/show.js";
import { cpCommand } from "./commands/cp.js";
import { rmCommand } from "./commands/rm.js";
import { pruneCommand } from "./commands/prune.js";
import { duCommand } from "./commands/du.js";
import { verifyCommand } from "./commands/verify.js";
import { exportCommand } from "./commands/export.js";
import { fmtCommand } from "./commands/fmt.js";
import { initCommand } from "./commands/init.js";
import { buildCommand } from "./commands/build.js";
import { lockCommand } from "./commands/lock.js";
import { testCommand } from "./commands/test.js";
import { serveCommand } from "./commands/serve.js";
import { watchCommand } from "./commands/watch.js";
import { runCommand } from "./commands/run.js";
import { pullCommand } from "./commands/pull.js";
import { pushCommand } from "./commands/push.js";

/**
 * yargs through its CommonJS entry: that one lays out help with wrap-ansi,
 * which wraps between words; its ES module entry uses cliui's minimal wrap,
 * which cuts words at the column.
 */
const yargs = createRequire(import.meta.url)("yargs") as typeof yargsFactory;
/** The CommonJS entry does not find our package.json by itself: `--version` says it from here. */
const VERSION = (createRequire(import.meta.url)("../../../package.json") as { version: string }).version;

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
  try {
    await buildParser(argv, ctx).parseAsync();
    return ctx.exitCode;
  } catch (err) {
    return reportFailure(err, ctx, wantsJson);
  }
}

function buildParser(argv: string[], ctx: CliContext) {
  const known: { options: string[] } = { options: [] };
  const y = yargs(argv);
  return y
    .scriptName("modelsmith")
    .usage("$0 <command> [options]\n\nModels as code: build, test and serve local LLMs from Modelfiles.")
    .command(initCommand(ctx))
    .command(fmtCommand(ctx))
    .command(checkCommand(ctx))
    .command(lsCommand(ctx))
    .command(showCommand(ctx))
    .command(cpCommand(ctx))
    .command(rmCommand(ctx))
    .command(pruneCommand(ctx))
    .command(duCommand(ctx))
    .command(verifyCommand(ctx))
    .command(exportCommand(ctx))
    .command(buildCommand(ctx))
    .command(lockCommand(ctx))
    .command(testCommand(ctx))
    .command(runCommand(ctx))
    .command(serveCommand(ctx))
    .command(watchCommand(ctx))
    .command(pullCommand(ctx))
    .command(pushCommand(ctx))
    .option("json", { type: "boolean", description: "Print one JSON document on stdout", global: true })
    .demandCommand(1, "name a command; `modelsmith --help` lists them")
    .strict()
    // Runs after the command's options are known and before strict mode rejects an unknown one: keeps them for a did-you-mean.
    .middleware(((_argv: unknown, y: { getOptions(): { key: object } }) => {
      known.options = Object.keys(y.getOptions().key);
    }) as unknown as MiddlewareFunction, true)
    .exitProcess(false)
    // The terminal's width (none when stdout is not a terminal): yargs wraps between words, the terminal never has to.
    .wrap(y.terminalWidth())
    .fail((message: string | null, err: Error | undefined) => {
      if (err) throw err;
      throw usageError(message ?? "invalid command line", argv, known.options);
    })
    .version(VERSION)
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

function reportFailure(err: unknown, ctx: CliContext, wantsJson: boolean): number {
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
