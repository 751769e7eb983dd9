import { existsSync } from "node:fs";
import path from "node:path";
import type { CommandModule } from "yargs";
import { readModelfileFromDisk } from "../../check/read-modelfile.js";
import { error, hasErrors, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { InputError } from "../../diagnostics/errors.js";
import { atomicWrite } from "../../fsutil/atomic-write.js";
import { printModelfile } from "../../modelfile/print.js";
import { findProjectDir, loadProject } from "../../project/load.js";
import { PROJECT_FILE } from "../../project/project.js";
import type { CliContext } from "../context.js";

export interface FmtArgs {
  files?: string[];
  check?: boolean;
  stdout?: boolean;
  dir?: string;
  json?: boolean;
}

interface FileResult {
  file: string;
  changed: boolean;
  written: boolean;
  diagnostics: Diagnostic[];
}

/**
 * `modelsmith fmt [files..] [--check] [--stdout]`: rewrites Modelfiles in
 * canonical form (UTF-8 without BOM, LF line endings). Without files: the
 * Modelfiles of the project in the directory, or `./Modelfile`.
 * Exit 2 when a file does not parse (it is left untouched); with `--check`,
 * exit 1 when a file is not in canonical form.
 */
export function fmtCommand(ctx: CliContext): CommandModule<object, FmtArgs> {
  return {
    command: "fmt [files..]",
    describe: "Rewrite Modelfiles in canonical form",
    builder: (y) =>
      y
        .positional("files", { type: "string", array: true, describe: "Modelfiles (default: the project's, or ./Modelfile)" })
        .option("check", { type: "boolean", describe: "Only list files that are not formatted (exit 1 if any)" })
        .option("stdout", { type: "boolean", describe: "Print the formatted text instead of writing it" })
        .option("dir", { alias: "C", type: "string", describe: "Project directory (default: the nearest one with modelsmith.yaml, here or above)", default: "." })
        .conflicts("check", "stdout"),
    handler: async (args) => {
      const files = args.files?.length ? args.files : await defaultFiles(ctx, args.dir ?? ".");
      const results: FileResult[] = [];
      for (const file of files) results.push(await formatOne(ctx, file, args));
      if (args.json) ctx.json({ ok: !results.some((r) => hasErrors(r.diagnostics)), files: results });
      else if (args.check) for (const r of results) if (r.changed) ctx.out(r.file);
      if (results.some((r) => hasErrors(r.diagnostics))) ctx.exitCode = 2;
      else if (args.check && results.some((r) => r.changed)) ctx.exitCode = 1;
    },
  };
}

async function formatOne(ctx: CliContext, file: string, args: FmtArgs): Promise<FileResult> {
  const { result, diagnostics } = await readModelfileFromDisk(path.resolve(file), file);
  if (result) ctx.sources.set(file, result.text);
  ctx.report(diagnostics);
  if (!result || hasErrors(diagnostics)) return { file, changed: false, written: false, diagnostics };
  const formatted = printModelfile(result.ast);
  const changed = formatted !== result.text || result.encoding !== "utf-8" || result.bom;
  if (args.stdout && !args.json) ctx.stdout.write(formatted);
  let written = false;
  if (changed && !args.check && !args.stdout) {
    await atomicWrite(path.resolve(file), formatted);
    written = true;
    if (!args.json) ctx.err(`formatted ${file}`);
  }
  return { file, changed, written, diagnostics };
}

/** The Modelfiles of the nearest project at or above `dir`, else `dir`'s own Modelfile. */
async function defaultFiles(ctx: CliContext, dir: string): Promise<string[]> {
  if ((await findProjectDir(dir)) !== undefined) {
    const { project, diagnostics, file, text } = await loadProject(dir);
    ctx.sources.set(file, text);
    if (!project) throw new InputError(diagnostics);
    return project.models.map((m) => path.relative(process.cwd(), m.modelfile) || m.modelfile);
  }
  const single = path.join(dir, "Modelfile");
  if (existsSync(single)) return [path.relative(process.cwd(), single) || single];
  throw new InputError(error("MS9001", `nothing to format: no ${PROJECT_FILE} and no Modelfile in ${path.resolve(dir)}`, { hint: "name the files: modelsmith fmt path/to/Modelfile" }));
}
