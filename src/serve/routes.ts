import type { IncomingMessage } from "node:http";

const PARAMS = new WeakMap<IncomingMessage, Record<string, string>>();

/**
 * The entry of `routes` ("METHOD /path", a segment `:name` matching any one
 * non-empty segment, a last segment `:name*` the non-empty rest of the path) for a request, with the segments it matched; undefined
 * when none does. An exact path wins over a pattern.
 */
export function findRoute<T>(routes: Readonly<Record<string, T>>, method: string, path: string): { value: T; params: Record<string, string> } | undefined {
  const exact = routes[`${method} ${path}`];
  if (exact !== undefined) return { value: exact, params: {} };
  const parts = path.split("/");
  for (const [key, value] of Object.entries(routes)) {
    const [m, pattern] = key.split(" ") as [string, string];
    if (m !== method || !pattern.includes(":")) continue;
    const want = pattern.split("/");
    const rest = want[want.length - 1]!.endsWith("*");
    if (rest ? parts.length < want.length : want.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const matches = want.every((w, i) => {
      if (!w.startsWith(":")) return w === parts[i];
      const greedy = w.endsWith("*");
      const v = decode(greedy ? parts.slice(i).join("/") : parts[i]!);
      if (v === undefined || v === "") return false;
      params[w.slice(1).replace(/\*$/, "")] = v;
      return true;
    });
    if (matches) return { value, params };
  }
  return undefined;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Keeps the matched path segments with the request, for its handler. */
export function setRouteParams(req: IncomingMessage, params: Record<string, string>): void {
  PARAMS.set(req, params);
}

/** The path segment `name` the request's route matched (`/api/blobs/:digest` → digest). */
export function routeParam(req: IncomingMessage, name: string): string {
  return PARAMS.get(req)?.[name] ?? "";
}
