import { isIP } from "node:net";
import { hostname, networkInterfaces } from "node:os";

/**
 * Ollama's DNS-rebinding guard (allowedHostsMiddleware in server/routes.go,
 * https://github.com/ollama/ollama/blob/main/server/routes.go): a server bound
 * to a loopback address answers only requests whose `Host` names this machine,
 * so a web page whose own host name a DNS server points at 127.0.0.1 cannot
 * read the API. A server bound to any other address checks nothing (it is
 * meant to be reached by name). Allowed, as in Ollama: no Host; an IP literal
 * that is loopback, private, unspecified or one of this machine's interfaces;
 * `localhost`, this machine's host name, and names under `.localhost`,
 * `.local` and `.internal`. Case does not matter; a port is ignored.
 */
export function hostGuard(listenHost: string): (hostHeader: string | undefined) => boolean {
  if (!isLoopback(listenHost.replace(/^\[|\]$/g, ""))) return () => true;
  return (header) => allowedHost(hostOf(header ?? ""));
}

function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]") > 0 ? h.indexOf("]") : undefined);
  const colon = h.indexOf(":");
  // One colon: host:port. More: an IPv6 literal without brackets, kept whole (Go's SplitHostPort fails, Ollama uses the whole value).
  return colon >= 0 && h.indexOf(":", colon + 1) < 0 ? h.slice(0, colon) : h;
}

function allowedHost(host: string): boolean {
  if (isIP(host)) return isLoopback(host) || isPrivate(host) || isUnspecified(host) || isLocalInterface(host);
  if (host === "" || host === "localhost" || host === hostname().toLowerCase()) return true;
  return [".localhost", ".local", ".internal"].some((tld) => host.endsWith(tld));
}

function v4(ip: string): number[] | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1] ?? ip;
  return isIP(mapped) === 4 ? mapped.split(".").map(Number) : undefined;
}

function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  const a = v4(host);
  return a ? a[0] === 127 : isIP(host) === 6 && expand6(host) === "0000:0000:0000:0000:0000:0000:0000:0001";
}

function isPrivate(ip: string): boolean {
  const a = v4(ip);
  if (a) return a[0] === 10 || (a[0] === 172 && a[1]! >= 16 && a[1]! <= 31) || (a[0] === 192 && a[1] === 168);
  return /^f[cd]/.test(expand6(ip)); // fc00::/7, as Go's netip.Addr.IsPrivate
}

function isUnspecified(ip: string): boolean {
  const a = v4(ip);
  return a ? a.every((b) => b === 0) : /^[0:]+$/.test(expand6(ip));
}

function isLocalInterface(ip: string): boolean {
  const want = isIP(ip) === 6 ? expand6(ip) : ip;
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => (i.family === "IPv6" ? expand6(i.address) : i.address) === want));
}

/** The 8 groups of an IPv6 address, 4 hex digits each. */
function expand6(ip: string): string {
  const [head, tail] = ip.toLowerCase().split("%")[0]!.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t];
  return groups.map((g) => g.padStart(4, "0")).join(":");
}
