import { cp, readdir, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CommandModule } from "yargs";
import { error } from "../../diagnostics/diagnostic.js";
import { InputError } from "../../diagnostics/errors.js";
import { didYouMean } from "../../diagnostics/suggest.js";
import { adoptedModelName, adoptingProjectFile } from "../../project/adopt.js";
import { PROJECT_FILE } from "../../project/project.js";
import type { CliContext } from "../context.js";

export interface InitArgs {
  dir?: string;
  template?: string;
  json?: boolean;
}

/** templates/ ships beside dist/ in the package. */
const TEMPLATES = fileURLToPath(new URL("../../../../templates/", import.meta.url));

/**
 * `modelsmith init [dir] [--template T]`: copies a project template into `dir`
 * (default: the current directory). Never overwrites: an existing file that
 * the template would write is an error and nothing is copied. In a folder
 * that already has a Modelfile and no modelsmith.yaml (no --template asked
 * for), adopts it instead: writes only a modelsmith.yaml naming that
 * Modelfile, as a model named after the folder.
 */
export function initCommand(ctx: CliContext): CommandModule<object, InitArgs> {
  return {
    command: "init [dir]",
    describe: "Scaffold a project from a template",
    builder: (y) =>
      y
        .positional("dir", { type: "string", default: ".", describe: "Directory to create the project in" })
        .option("template", { alias: "t", type: "string", describe: "Template name (see templates/; default: basic). In a folder with a Modelfile and no template named, init adopts that Modelfile" }),
    handler: async (args) => {
      if (args.template === undefined && (await adoptModelfile(ctx, args))) return;
      const names = (await readdir(TEMPLATES)).sort();
      const template = args.template ?? "basic";
      if (!names.includes(template)) {
        throw new InputError(error("MS9004", `unknown template \`${template}\``, { hint: didYouMean(template, names) ?? `templates: ${names.join(", ")}` }));
      }
      const from = path.join(TEMPLATES, template);
      const to = path.resolve(args.dir ?? ".");
      const files = await listFiles(from);
      const clashes = files.filter((f) => existsSync(path.join(to, f)));
      if (clashes.length) {
        throw new InputError(clashes.map((f) => error("MS9005", `${path.join(args.dir ?? ".", f)} already exists; init writes nothing over existing files`, { hint: "run init in an empty directory" })));
      }
      await cp(from, to, { recursive: true, errorOnExist: true, force: false });
      if (args.json) ctx.json({ ok: true, dir: to, template, files });
      else {
        for (const f of files) ctx.err(`created ${path.join(args.dir ?? ".", f)}`);
        ctx.err(`next: cd ${args.dir ?? "."} && modelsmith check`);
      }
    },
  };
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const rel = path.join(prefix, name);
    if ((await stat(path.join(dir, name))).isDirectory()) out.push(...(await listFiles(path.join(dir, name), rel)));
    else out.push(rel);
  }
  return out;
}

/**
 * `init` in a folder that has a Modelfile but no project file: writes the
 * modelsmith.yaml that lists it. Returns false (nothing done) otherwise.
 */
async function adoptModelfile(ctx: CliContext, args: InitArgs): Promise<boolean> {
  const to = path.resolve(args.dir ?? ".");
  if (!existsSync(path.join(to, "Modelfile")) || existsSync(path.join(to, PROJECT_FILE))) return false;
  const model = adoptedModelName(path.basename(to));
  const file = path.join(to, PROJECT_FILE);
  await writeFile(file, adoptingProjectFile(model, "Modelfile"), { flag: "wx" });
  const shown = path.join(args.dir ?? ".", PROJECT_FILE);
  if (args.json) ctx.json({ ok: true, dir: to, adopted: "Modelfile", model, files: [PROJECT_FILE] });
  else {
    ctx.err(`created ${shown}, adopting ./Modelfile as model \`${model}\``);
    ctx.err(`next: ${args.dir && args.dir !== "." ? `cd ${args.dir} && ` : ""}modelsmith build`);
  }
  return true;
}
