/**
 * The build engine: load a project's Modelfiles (load.ts), plan the graph of
 * steps with cache keys, pure (plan.ts), run it against the store
 * (execute.ts), and keep models.lock (lockfile.ts). build.ts ties them
 * together for the `build` and `lock` commands.
 */
export { BUILD_CODES, type BuildCode } from "./codes.js";
export { buildProject, lockProject, type BuildOptions, type BuildReport, type BuiltVariant, type LockOptions } from "./build.js";
export { executePlan, type ExecuteOptions, type ExecuteResult, type StepOutput } from "./execute.js";
export { limiter } from "./limiter.js";
export { FORMAT_MEDIA_TYPE, type OwnLayerDefs } from "./own-layers.js";
export { BUILD_FORMAT, DEFAULT_TAG, planBuild, type AssembleStep, type BlobInput, type Plan, type PlanInput, type PlanModel, type PlannedVariant, type QuantizeStep, type Step } from "./plan.js";
export { describeStep, lineProgress, type Progress, type ProgressFactory, type StepEvent } from "./progress.js";
export { ttyProgress } from "./tty-progress.js";
