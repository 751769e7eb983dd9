import { fileURLToPath } from "node:url";
import path from "node:path";

/** The repository root, from a compiled test at dist/test/<dir>/x.test.js. */
export const repoRoot = path.resolve(fileURLToPath(new URL("../../../", import.meta.url)));

export const fromRoot = (...parts: string[]) => path.join(repoRoot, ...parts);
