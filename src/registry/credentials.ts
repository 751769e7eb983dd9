import { readFileSync } from "node:fs";
import path from "node:path";
import { error } from "../diagnostics/diagnostic.js";
import { InputError } from "../diagnostics/errors.js";

/** A user name and password for HTTP Basic auth (or a registry's token endpoint). */
export interface Credentials {
  username: string;
  password: string;
  /** Where they came from, for error messages (never the secret itself). */
  from: string;
}

/**
 * The credentials for registry `host`, or undefined. Looked up in this order:
 * `MODELSMITH_REGISTRY_AUTH=user:password` (one pair for every host, as
 * skopeo's `--creds`), then `auths` of Docker's config file
 * (`$DOCKER_CONFIG/config.json`, default `~/.docker/config.json`, what
 * `docker login` writes): the entry whose key names the host (with or without
 * `https://` and a path; Docker Hub's `https://index.docker.io/v1/` for
 * docker.io). Credential helpers (`credsStore`, `credHelpers`) are not run.
 * They are only ever sent after the registry asks for them (a 401).
 */
export function credentialsFor(host: string, env: NodeJS.ProcessEnv, home: string): Credentials | undefined {
  const fromEnv = env.MODELSMITH_REGISTRY_AUTH;
  if (fromEnv !== undefined && fromEnv !== "") {
    const colon = fromEnv.indexOf(":");
    if (colon <= 0) throw new InputError(error("MS5617", "MODELSMITH_REGISTRY_AUTH must be user:password", { hint: "for example MODELSMITH_REGISTRY_AUTH=alice:s3cret" }));
    return { username: fromEnv.slice(0, colon), password: fromEnv.slice(colon + 1), from: "MODELSMITH_REGISTRY_AUTH" };
  }
  return fromDockerConfig(host, env, home);
}

function fromDockerConfig(host: string, env: NodeJS.ProcessEnv, home: string): Credentials | undefined {
  const file = path.join(env.DOCKER_CONFIG || path.join(home, ".docker"), "config.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  let config: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    config = JSON.parse(text) as typeof config;
  } catch (err) {
    throw new InputError(error("MS5617", `${file} is not valid JSON: ${(err as Error).message}`, { hint: "fix the file, or run `docker login` again" }));
  }
  const wanted = host === "docker.io" || host === "registry-1.docker.io" ? ["docker.io", "index.docker.io", "registry-1.docker.io"] : [host.toLowerCase()];
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!wanted.includes(hostOfKey(key))) continue;
    if (entry.username && entry.password !== undefined) return { username: entry.username, password: entry.password, from: file };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), from: file };
    }
  }
  return undefined;
}

/** `https://index.docker.io/v1/` → `index.docker.io`; `127.0.0.1:5000` stays. */
function hostOfKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "").toLowerCase();
}

/** The Authorization header value of HTTP Basic auth. */
export function basicAuthorization(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, "utf8").toString("base64")}`;
}
