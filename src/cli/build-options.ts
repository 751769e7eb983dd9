import { homedir } from "node:os";
import path from "node:path";
import type { BuildAndTestOptions } from "../build/build-and-test.js";
import type { BuildDisplay } from "../build/display.js";
import { resolveStoreRoot } from "../store/store-root.js";
import type { CliContext } from "./context.js";

/** The arguments `build` and `watch` share. */
export interface BuildArgs {
  models?: string[];
  dir?: string;
  frozen?: boolean;
  offline?: boolean;
  test?: boolean;
  jobs?: number;
  json?: boolean;
  cacheFrom?: string;
  cacheTo?: string;
}

/** `--cache-from`/`--cache-to`, else MODELSMITH_CACHE_FROM/MODELSMITH_CACHE_TO (remote-cache.ts); unset ones fall back to modelsmith.yaml. */
function cacheSettings(ctx: CliContext, args: BuildArgs): NonNullable<BuildAndTestOptions["cache"]> {
  const one = (which: "from" | "to", flag: string | undefined, envName: string) => {
    const env = ctx.env[envName];
    if (flag !== undefined) return { [which]: { text: flag, origin: `--cache-${which}` } };
    if (env !== undefined) return { [which]: { text: env, origin: envName } };
    return {};
  };
  return { ...one("from", args.cacheFrom, "MODELSMITH_CACHE_FROM"), ...one("to", args.cacheTo, "MODELSMITH_CACHE_TO") };
}

/** What a build writes for the user, on stderr (stdout is for --json). */
export function buildOutput(ctx: CliContext): BuildAndTestOptions["out"] {
  return { say: (line) => ctx.err(line), write: (text) => void ctx.stderr.write(text), report: (d) => ctx.report(d) };
}

/** The build-and-test options (src/build/build-and-test.ts) of `build` and `watch`, from their arguments. */
/** `display`: the step list, and (optional) the downloads' and generated test models' progress. */
export function buildOptions(ctx: CliContext, args: BuildArgs, display: Pick<BuildDisplay, "progress"> & Partial<BuildDisplay>, brief = false): BuildAndTestOptions {
  return {
    dir: args.dir ?? ".",
    ...(args.models?.length ? { models: args.models } : {}),
    frozen: Boolean(args.frozen),
    offline: Boolean(args.offline),
    jobs: Math.max(1, Math.floor(args.jobs ?? 1)),
    storeRoot: resolveStoreRoot(ctx.env, homedir(), process.cwd()),
    home: homedir(),
    display: (abs) => path.relative(process.cwd(), abs) || abs,
    sources: ctx.sources,
    progress: display.progress,
    ...(display.activity ? { activity: display.activity } : {}),
    cache: cacheSettings(ctx, args),
    env: ctx.env,
    test: args.test !== false,
    json: Boolean(args.json),
    brief,
    out: buildOutput(ctx),
  };
}
