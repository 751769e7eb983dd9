/**
 * The build engine and its progress renderers, imported when a command needs
 * them (the engine and the renderers cost start-up time that `--help` should not pay).
 */
export async function loadBuildEngine() {
  const [{ buildProject, lockProject }, { buildAndTest }, { createModel }, { lineProgress }, { buildDisplay }] = await Promise.all([
    import("./build.js"),
    import("./build-and-test.js"),
    import("./create.js"),
    import("./progress.js"),
    import("./display.js"),
  ]);
  return { buildProject, lockProject, buildAndTest, createModel, lineProgress, buildDisplay };
}
