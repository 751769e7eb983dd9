import { error } from "../diagnostics/diagnostic.js";
import { EnvironmentError, InputError } from "../diagnostics/errors.js";
import { isLoopbackHost } from "../resolve/loopback.js";
import { parseChallenge, type Challenge } from "./challenge.js";
import { fetchWithDeadline, HttpTimeout, httpLimits, isTransientStatus, readBounded, timedOut, transient, withRetries, type HttpLimits } from "./http.js";
import { basicAuthorization, credentialsFor, type Credentials } from "./credentials.js";

/** What fetch takes as a request body. */
export type FetchBody = NonNullable<NonNullable<Parameters<typeof fetch>[1]>["body"]>;

export interface ClientOptions {
  /** Where MODELSMITH_REGISTRY_AUTH and DOCKER_CONFIG are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Home directory, for ~/.docker/config.json. */
  home: string;
  signal?: AbortSignal;
}

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  /** Made afresh for each try (a retry after an auth challenge sends the body again). */
  body?: () => FetchBody;
  /** The statuses that count as success; anything else is an error (see `fail`). Default 200. */
  ok?: number[];
  /** What the request is about, for messages: `manifest library/fox:latest`. */
  what: string;
}

/**
 * A client of one repository on one OCI distribution registry
 * (distribution-spec `/v2/<name>/…`). `http://` for loopback hosts only,
 * https otherwise; `docker.io` is reached at `registry-1.docker.io`.
 *
 * Auth: requests go out anonymously; on a 401 the `WWW-Authenticate`
 * challenge decides. `Bearer realm=…,service=…,scope=…` gets a token from the
 * realm (with Basic credentials when there are some, else anonymously) and
 * the request is sent again with it; `Basic` is answered with the
 * credentials of credentials.ts. The token is kept for later requests of this
 * client. A second 401 (or a 403) is EnvironmentError MS5612.
 */
export class RegistryClient {
  readonly base: string;
  /** Timeouts and retries (http.ts), from the environment. */
  readonly limits: HttpLimits;
  private authorization: string | undefined;
  private credentials: Credentials | null | undefined;

  constructor(
    readonly host: string,
    readonly repository: string,
    private readonly o: ClientOptions,
  ) {
    this.limits = httpLimits(o.env ?? process.env);
    const apiHost = host === "docker.io" ? "registry-1.docker.io" : host;
    this.base = `${isLoopbackHost(host) ? "http" : "https"}://${apiHost}`;
  }

  /** The URL of `/v2/<repository>/<rest>`. */
  url(rest: string): string {
    return `${this.base}/v2/${this.repository}/${rest}`;
  }

  /** Headers that carry the auth this client has obtained (for downloadBlob). */
  authHeaders(): Record<string, string> {
    return this.authorization ? { Authorization: this.authorization } : {};
  }

  /**
   * Sends a request (authenticating on a 401) and returns a response whose
   * status is in `init.ok`; throws a diagnostic otherwise. GET and HEAD are
   * tried again (http.ts: timeouts, backoff) when the registry did not answer,
   * timed out or answered 429/5xx.
   */
  async request(url: string, init: RequestInit): Promise<Response> {
    if (!idempotent(init)) return this.requestOnce(url, init);
    return withRetries(this.limits, () => this.requestOnce(url, init), this.o.signal);
  }

  /**
   * A GET whose whole body is read, at most `maxBytes` (MS5696 beyond), each
   * piece within the idle timeout; retried as `request` is, a stalled body too.
   */
  async getBytes(url: string, init: RequestInit, maxBytes: number): Promise<{ res: Response; bytes: Buffer }> {
    return withRetries(
      this.limits,
      async () => {
        const res = await this.requestOnce(url, init);
        try {
          return { res, bytes: await readBounded(res, maxBytes, this.limits.idleMs, init.what, this.host) };
        } catch (err) {
          if (err instanceof HttpTimeout) throw timedOut(this.host, init.what, err);
          throw err;
        }
      },
      this.o.signal,
    );
  }

  private async requestOnce(url: string, init: RequestInit): Promise<Response> {
    let res = await this.send(url, init);
    if (res.status === 401) {
      const challenge = parseChallenge(res.headers.get("www-authenticate"));
      await res.body?.cancel();
      await this.authenticate(challenge, init);
      res = await this.send(url, init);
      if (res.status === 401) {
        await res.body?.cancel();
        throw this.refused(init, res.status);
      }
    }
    if (!(init.ok ?? [200]).includes(res.status)) throw await this.fail(res, init);
    return res;
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    const headers = { ...init.headers, ...this.authHeaders() };
    const body = init.body?.();
    try {
      return await fetchWithDeadline(
        url,
        {
          method: init.method ?? "GET",
          headers,
          redirect: "follow",
          ...(body !== undefined ? { body, duplex: "half" } : {}),
          ...(this.o.signal ? { signal: this.o.signal } : {}),
        } as Parameters<typeof fetch>[1] & object,
        this.limits,
      );
    } catch (err) {
      if (this.o.signal?.aborted) throw err;
      if (err instanceof HttpTimeout) throw timedOut(this.host, init.what, err);
      throw unreachable(this.host, init.what, err);
    }
  }

  private creds(): Credentials | undefined {
    if (this.credentials === undefined) this.credentials = credentialsFor(this.host, this.o.env ?? process.env, this.o.home) ?? null;
    return this.credentials ?? undefined;
  }

  private async authenticate(challenge: Challenge | undefined, init: RequestInit): Promise<void> {
    const creds = this.creds();
    if (challenge?.scheme === "basic") {
      if (!creds) throw this.refused(init, 401);
      this.authorization = basicAuthorization(creds);
      return;
    }
    if (challenge?.scheme !== "bearer" || !challenge.params.realm) {
      throw new EnvironmentError(error("MS5612", `${this.host} wants authentication for ${init.what} but sent no usable challenge`, { hint: "modelsmith speaks Basic and Bearer token auth" }));
    }
    const realm = new URL(challenge.params.realm);
    if (realm.protocol !== "https:" && !(realm.protocol === "http:" && isLoopbackHost(realm.host))) {
      throw new EnvironmentError(error("MS5612", `${this.host} sends its token requests to ${realm.origin}, which is not https`, { hint: "a token realm must use https (plain http only on loopback)" }));
    }
    if (challenge.params.service) realm.searchParams.set("service", challenge.params.service);
    const writes = init.method !== undefined && init.method !== "GET" && init.method !== "HEAD";
    const scope = challenge.params.scope ?? `repository:${this.repository}:${writes ? "pull,push" : "pull"}`;
    for (const s of scope.split(" ")) realm.searchParams.append("scope", s);
    const res = await this.fetchToken(realm, creds, init);
    const text = await readBounded(res, MAX_TOKEN_BYTES, this.limits.idleMs, "token", realm.host).then(
      (b) => b.toString("utf8"),
      (err: unknown) => {
        if (err instanceof HttpTimeout) throw timedOut(realm.host, `a token for ${init.what}`, err);
        throw err;
      },
    );
    const doc = (() => {
      try {
        return JSON.parse(text) as { token?: string; access_token?: string };
      } catch {
        return {};
      }
    })();
    const token = doc.token ?? doc.access_token;
    if (!token) throw new EnvironmentError(error("MS5612", `the token service of ${this.host} (${realm.origin}) sent no token`, {}));
    this.authorization = `Bearer ${token}`;
  }

  private async fetchToken(realm: URL, creds: Credentials | undefined, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await fetchWithDeadline(realm, { headers: creds ? { Authorization: basicAuthorization(creds) } : {}, ...(this.o.signal ? { signal: this.o.signal } : {}) }, this.limits);
    } catch (err) {
      if (this.o.signal?.aborted) throw err;
      if (err instanceof HttpTimeout) throw timedOut(realm.host, `a token for ${init.what}`, err);
      throw unreachable(realm.host, `a token for ${init.what}`, err);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw this.refused(init, res.status);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new EnvironmentError(error("MS5610", `the token service of ${this.host} answered ${res.status} ${res.statusText}`, { hint: "run again later, or check the registry" }));
    }
    return res;
  }

  private refused(init: RequestInit, status: number): EnvironmentError {
    const creds = this.creds();
    const hint = creds
      ? `the credentials from ${creds.from} were not accepted: check the user name and password`
      : `log in: add the host to ~/.docker/config.json (\`docker login ${this.host}\`) or set MODELSMITH_REGISTRY_AUTH=user:password`;
    return new EnvironmentError(error("MS5612", `${this.host} refused ${init.what} (${status}${creds ? "" : ", no credentials given"})`, { hint }));
  }

  /** The diagnostic for an unexpected status: MS5611 (exit 2) for an unknown name, manifest or blob; MS5612 for 403; else MS5610. */
  private async fail(res: Response, init: RequestInit): Promise<Error> {
    const body = await readBounded(res, MAX_ERROR_BYTES, this.limits.idleMs, "error answer", this.host).then(
      (b) => b.toString("utf8"),
      () => "",
    );
    const errors = parseErrors(body);
    const detail = errors.length ? `: ${errors.map((e) => `${e.code ?? "?"} ${e.message ?? ""}`.trim()).join("; ")}` : "";
    const codes = errors.map((e) => e.code);
    if (res.status === 403 || codes.includes("DENIED") || codes.includes("UNAUTHORIZED")) return this.refused(init, res.status);
    if (res.status === 404 || codes.some((c) => c === "NAME_UNKNOWN" || c === "MANIFEST_UNKNOWN" || c === "BLOB_UNKNOWN")) {
      return new InputError(error("MS5611", `${this.host} has no ${init.what}${detail}`, { hint: `check the repository name and tag; the registry at ${this.base} does not know it` }));
    }
    const failed = new EnvironmentError(error(init.method && init.method !== "GET" && init.method !== "HEAD" ? "MS5616" : "MS5610", `${this.host} answered ${res.status} ${res.statusText} for ${init.what}${detail}`, { hint: "run again later; if it persists, check the registry's logs" }));
    return isTransientStatus(res.status) ? transient(failed) : failed;
  }
}

function parseErrors(body: string): { code?: string; message?: string }[] {
  try {
    const doc = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    return Array.isArray(doc.errors) ? doc.errors : [];
  } catch {
    return [];
  }
}

/** EnvironmentError MS5610 for a request that got no answer (refused, DNS, TLS). */
export function unreachable(host: string, what: string, err: unknown): EnvironmentError {
  const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
  const plain = isLoopbackHost(host) ? "http" : "https";
  return transient(new EnvironmentError(error("MS5610", `cannot reach ${host} for ${what}: ${cause}`, { hint: `is the registry up at ${plain}://${host}? (plain http is used only for loopback hosts)` }), { cause: err }));
}

function idempotent(init: RequestInit): boolean {
  return init.method === undefined || init.method === "GET" || init.method === "HEAD";
}

/** A token answer is a small JSON document; an error answer a short one. */
const MAX_TOKEN_BYTES = 1 << 20;
const MAX_ERROR_BYTES = 1 << 20;
