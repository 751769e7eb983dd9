import path from "node:path";
import type { CommandModule } from "yargs";
import { checkProject } from "../../check/check-project.js";
import { hasErrors } from "../../diagnostics/diagnostic.js";
import { loadProject } from "../../project/load.js";
import type { CliContext } from "../context.js";

export interface CheckArgs {
  dir?: string;
  json?: boolean;
}

/**
 * `modelsmith check [-C dir]`: validates the project file, every Modelfile it
 * lists and the files they name, without building. Prints every problem; exit 2
 * when there is an error (warnings alone pass).
 */
export function checkCommand(ctx: CliContext): CommandModule<object, CheckArgs> {
  return {
    command: "check",
    describe: "Validate the project file, Modelfiles and test files without building",
    builder: (y) => y.option("dir", { alias: "C", type: "string", default: ".", describe: "Project directory (default: the nearest one with modelsmith.yaml, here or above)" }),
    handler: async (args) => {
      const display = (abs: string) => path.relative(process.cwd(), abs) || abs;
      const loaded = await loadProject(args.dir ?? ".");
      ctx.sources.set(loaded.file, loaded.text);
      const models = loaded.project ? await checkProject(loaded.project, display, ctx.sources) : [];
      const diagnostics = [...loaded.diagnostics, ...models.flatMap((m) => m.diagnostics)];
      ctx.report(diagnostics);
      const errors = diagnostics.filter((d) => d.severity === "error").length;
      const warnings = diagnostics.length - errors;
      if (args.json) {
        ctx.json({ ok: errors === 0, project: loaded.file, models: models.map((m) => ({ name: m.name, modelfile: m.modelfile, ok: !hasErrors(m.diagnostics) })), diagnostics });
      } else {
        const what = loaded.project ? `${models.length} model${models.length === 1 ? "" : "s"}` : loaded.file;
        ctx.err(`checked ${what}: ${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`);
      }
      if (errors) ctx.exitCode = 2;
    },
  };
}
