/**
 * Registry auth: Basic (a Distribution registry with htpasswd) refuses
 * without credentials and works with MODELSMITH_REGISTRY_AUTH or Docker's
 * config.json; Bearer tokens (a token realm in front of the registry) are
 * fetched on the 401 challenge and reused.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";
import { json, ms, tempDir } from "../build/helpers.js";
import { registryMissing, startProxy, startRegistry } from "./helpers.js";

const skip = registryMissing();

// bcrypt (cost 4) of "s3cret", made once with Python's crypt; Distribution's htpasswd takes only bcrypt.
const HTPASSWD = "smith:$2b$04$sFfD4WsXx74qPnJL2kDmfuXvvYXnaTvAIVhMKyx2BfZJWyoTMj6xu\n";

async function builtHome(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = tempProject({ "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n", Modelfile: 'FROM testmodel://oracle\nSYSTEM "sly"\n' });
  const home = path.join(tempDir(t), "a");
  const built = await ms(["build", "-C", dir], home);
  assert.equal(built.exitCode, 0, built.stderr);
  return home;
}

test("Basic auth (htpasswd): refused without credentials (exit 3 MS5612), works with them", { skip }, async (t) => {
  const registry = await startRegistry(t, { htpasswd: HTPASSWD });
  const home = await builtHome(t);
  const target = `oci://${registry.host}/team/fox:1`;
  const cli = (args: string[], env: Record<string, string>, h = home) => runCli(args, { env: { MODELSMITH_HOME: h, DOCKER_CONFIG: path.join(h, "no-docker"), ...env } });

  const anonymous = await cli(["push", "fox", target], {});
  assert.equal(anonymous.exitCode, 3, anonymous.stderr);
  assert.match(anonymous.stderr, /error\[MS5612\]: 127\.0\.0\.1:\d+ refused blob sha256:[0-9a-f]{64} \(401, no credentials given\)\nhint: log in: add the host to ~\/\.docker\/config\.json/);
  const wrong = await cli(["push", "fox", target], { MODELSMITH_REGISTRY_AUTH: "smith:wrong" });
  assert.equal(wrong.exitCode, 3);
  assert.match(wrong.stderr, /hint: the credentials from MODELSMITH_REGISTRY_AUTH were not accepted/);
  const malformed = await cli(["push", "fox", target], { MODELSMITH_REGISTRY_AUTH: "smith" });
  assert.equal(malformed.exitCode, 2);
  assert.match(malformed.stderr, /error\[MS5617\]/);

  const pushed = await cli(["push", "fox", target, "--json"], { MODELSMITH_REGISTRY_AUTH: "smith:s3cret" });
  assert.equal(pushed.exitCode, 0, pushed.stderr);

  // Pull with Docker's config.json (what `docker login` writes).
  const homeB = path.join(tempDir(t), "b");
  const dockerDir = path.join(homeB, "docker");
  mkdirSync(dockerDir, { recursive: true });
  writeFileSync(path.join(dockerDir, "config.json"), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from("smith:s3cret").toString("base64") } } }));
  const refused = await cli(["pull", target], {}, homeB);
  assert.equal(refused.exitCode, 3);
  const pulled = await cli(["pull", target, "--json"], { DOCKER_CONFIG: dockerDir }, homeB);
  assert.equal(pulled.exitCode, 0, pulled.stderr);
  assert.equal(json(pulled).digest, json(pushed).digest);
});

test("Bearer tokens: the 401 challenge's realm gives a token (with Basic credentials), used for the manifest and every blob", { skip }, async (t) => {
  const registry = await startRegistry(t);
  const home = await builtHome(t);
  const pushed = await ms(["push", "fox", `oci://${registry.host}/library/fox:latest`, "--json"], home);
  assert.equal(pushed.exitCode, 0, pushed.stderr);
  const proxy = await startProxy(t, registry.port, { bearer: { credentials: "smith:s3cret" } });
  const homeB = path.join(tempDir(t), "b");
  const env = (extra: Record<string, string>) => ({ env: { MODELSMITH_HOME: homeB, DOCKER_CONFIG: path.join(homeB, "none"), ...extra } });

  const anonymous = await runCli(["pull", `ollama://${proxy.host}/library/fox:latest`], env({}));
  assert.equal(anonymous.exitCode, 3, anonymous.stderr);
  assert.match(anonymous.stderr, /error\[MS5612\]/);

  proxy.requests.length = 0;
  const pulled = await runCli(["pull", `ollama://${proxy.host}/library/fox:latest`, "--json"], env({ MODELSMITH_REGISTRY_AUTH: "smith:s3cret" }));
  assert.equal(pulled.exitCode, 0, pulled.stderr);
  assert.equal(json(pulled).digest, json(pushed).digest);
  assert.deepEqual(proxy.requests.filter((r) => r.startsWith("GET /token")), ["GET /token"], "one token, reused for every blob");
  assert.equal(proxy.requests.filter((r) => r.includes("/blobs/")).length, 3);
});
