import { cp, readdir, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CommandModule } from "yargs";
import { error } from "../../diagnostics/diagnostic.js";
import { InputError } from "../../diagnostics/errors.js";
import { didYouMean } from "../../diagnostics/suggest.js";
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
 * the template would write is an error and nothing is copied.
 */
export function initCommand(ctx: CliContext): CommandModule<object, InitArgs> {
  return {
    command: "init [dir]",
    describe: "Scaffold a project from a template",
    builder: (y) =>
      y
        .positional("dir", { type: "string", default: ".", describe: "Directory to create the project in" })
        .option("template", { alias: "t", type: "string", default: "basic", describe: "Template name (see templates/)" }),
    handler: async (args) => {
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
