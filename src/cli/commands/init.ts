import { copyFile, cp, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { constants, existsSync } from "node:fs";
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
  list?: boolean;
  json?: boolean;
}

/** templates/ and schemas/ ship beside dist/ in the package. */
const TEMPLATES = fileURLToPath(new URL("../../../../templates/", import.meta.url));
const SCHEMAS = fileURLToPath(new URL("../../../../schemas/", import.meta.url));
/** Where a new project keeps the package's JSON Schemas, which its YAML files name for editors (`# yaml-language-server: $schema=…`). */
const SCHEMA_DIR = "schemas";

/**
 * `modelsmith init [dir] [--template T]`: copies a project template into `dir`
 * (default: the current directory), and the package's JSON Schemas into
 * `schemas/`, where the template's `# yaml-language-server: $schema=` lines
 * point, so editors complete and check offline. Never overwrites: an existing
 * file that init would write is an error and nothing is copied.
 * `--list` prints the templates, each with the first comment line of its
 * modelsmith.yaml as its description.
 * In a folder that already has a Modelfile and no modelsmith.yaml (no
 * --template asked for), adopts it instead: writes only a modelsmith.yaml
 * naming that Modelfile, as a model named after the folder.
 */
export function initCommand(ctx: CliContext): CommandModule<object, InitArgs> {
  return {
    command: "init [dir]",
    describe: "Scaffold a project from a template",
    builder: (y) =>
      y
        .positional("dir", { type: "string", default: ".", describe: "Directory to create the project in" })
        .option("template", { alias: "t", type: "string", describe: "Template name (`--list` shows them; default: basic). In a folder with a Modelfile and no template named, init adopts that Modelfile" })
        .option("list", { type: "boolean", describe: "List the templates and what each one sets up" }),
    handler: async (args) => {
      const names = await templateNames();
      if (args.list) {
        const list = await Promise.all(names.map(async (name) => ({ name, description: await describeTemplate(name) })));
        if (args.json) ctx.json({ templates: list });
        else {
          const width = Math.max(...names.map((n) => n.length));
          for (const t of list) ctx.out(`${t.name.padEnd(width)}  ${t.description}`);
          ctx.err("use: modelsmith init <dir> --template <name>");
        }
        return;
      }
      if (args.template === undefined && (await adoptModelfile(ctx, args))) return;
      const template = args.template ?? "basic";
      if (!names.includes(template)) {
        throw new InputError(error("MS9004", `unknown template \`${template}\``, { hint: didYouMean(template, names) ?? `templates: ${names.join(", ")}` }));
      }
      const from = path.join(TEMPLATES, template);
      const to = path.resolve(args.dir ?? ".");
      const schemas = (await readdir(SCHEMAS)).filter((f) => f.endsWith(".schema.json")).sort();
      const files = [...(await listFiles(from)), ...schemas.map((f) => path.join(SCHEMA_DIR, f))];
      const clashes = files.filter((f) => existsSync(path.join(to, f)));
      if (clashes.length) {
        throw new InputError(clashes.map((f) => error("MS9005", `${path.join(args.dir ?? ".", f)} already exists; init writes nothing over existing files`, { hint: "run init in an empty directory" })));
      }
      await cp(from, to, { recursive: true, errorOnExist: true, force: false });
      await mkdir(path.join(to, SCHEMA_DIR), { recursive: true });
      for (const f of schemas) await copyFile(path.join(SCHEMAS, f), path.join(to, SCHEMA_DIR, f), constants.COPYFILE_EXCL);
      if (args.json) ctx.json({ ok: true, dir: to, template, files });
      else {
        for (const f of files) ctx.err(`created ${path.join(args.dir ?? ".", f)}`);
        ctx.err(`next: cd ${args.dir ?? "."} && modelsmith check`);
      }
    },
  };
}

/** The template folders (anything else in templates/ is not a template). */
async function templateNames(): Promise<string[]> {
  const entries = await readdir(TEMPLATES, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** The first `# ` comment line of the template's modelsmith.yaml, without its `name: ` lead. */
async function describeTemplate(name: string): Promise<string> {
  const text = await readFile(path.join(TEMPLATES, name, "modelsmith.yaml"), "utf8").catch(() => "");
  const line = text.split("\n").find((l) => l.startsWith("# ") && !l.includes("yaml-language-server"));
  return (line ?? "# ").slice(2).replace(new RegExp(`^${name}: `), "");
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
