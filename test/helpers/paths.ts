// The repository root and paths under it; shared with bench/ from tools/.
export { fromRoot, repoRoot } from "../../tools/paths.js";
