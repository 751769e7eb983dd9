import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";
import { fromRoot } from "../helpers/paths.js";

const TEMPLATES = readdirSync(fromRoot("templates")).filter((n) => statSync(fromRoot("templates", n)).isDirectory()).sort();
const root = tempProject({});
const env = { MODELSMITH_HOME: path.join(root, "store") };
after(() => rmSync(root, { recursive: true, force: true }));

/** Every YAML file under `dir` (not the store). */
function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".yaml")).map((f) => path.join(dir, f));
}

describe("init templates (subprocess, offline)", () => {
  it("init --list names every template with a description", async () => {
    const r = await runCli(["init", "--list", "--json"], { cwd: root });
    assert.equal(r.exitCode, 0, r.stderr);
    const list = (JSON.parse(r.stdout) as { templates: { name: string; description: string }[] }).templates;
    assert.deepEqual(list.map((t) => t.name), TEMPLATES);
    for (const t of list) assert.ok(t.description.length > 10, `${t.name} has a description`);
    for (const required of ["basic", "chat", "json-extractor", "quant-ladder", "adapter"]) assert.ok(TEMPLATES.includes(required), required);
  });

  for (const name of TEMPLATES) {
    it(`${name}: inits, every editor schema link names a file the project holds, and build (with its tests) passes offline`, async () => {
      const r = await runCli(["init", name, "--template", name], { cwd: root });
      assert.equal(r.exitCode, 0, r.stderr);
      const dir = path.join(root, name);
      const yamls = yamlFiles(dir);
      assert.ok(yamls.some((f) => f.endsWith("modelsmith.yaml")));
      for (const f of yamls) {
        const link = /^# yaml-language-server: \$schema=(.+)$/m.exec(readFileSync(f, "utf8"))?.[1];
        assert.ok(link, `${path.relative(dir, f)} names its schema`);
        assert.doesNotMatch(link, /^[a-z]+:\/\//, "a local file, not a URL");
        assert.ok(existsSync(path.resolve(path.dirname(f), link)), `${path.relative(dir, f)}: ${link} exists`);
      }
      const build = await runCli(["build", "--offline"], { cwd: dir, env });
      assert.equal(build.exitCode, 0, build.stderr);
      assert.doesNotMatch(build.stderr, /\bFAIL\b|\bERROR\b/);
      if (name === "quant-ladder") {
        const compare = await runCli(["test", "--compare"], { cwd: dir, env });
        assert.equal(compare.exitCode, 0, compare.stderr);
        for (const v of ["q8_0", "q6_k", "q4_k_m"]) assert.match(compare.stdout + compare.stderr, new RegExp(`^  ${v} .* 1/1 100%`, "m"));
      }
    });
  }
});
