import { fileURLToPath } from "node:url";
import path from "node:path";

/** The repository root, from this module compiled at dist/tools/paths.js. */
export const repoRoot = path.resolve(fileURLToPath(new URL("../../", import.meta.url)));

export const fromRoot = (...parts: string[]) => path.join(repoRoot, ...parts);
