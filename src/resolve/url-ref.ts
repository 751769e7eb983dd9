import { parseSha256 } from "./digest.js";
import { isLoopbackHost } from "./loopback.js";
import type { Problems } from "./problems.js";
import type { Sha256Digest, UrlReference } from "./reference-types.js";

/**
 * A plain download (the `@sha256:` pin, if any, already split off):
 *
 *     url-ref = ( "https://" / "http://" loopback-host ) authority path [ "?" query ] [ "#sha256=" 64hex ]
 *
 * The URL is parsed and serialized by WHATWG URL rules (host lower-cased, default
 * port dropped, path escaped), which makes its text canonical. Rules of our own:
 * no user name or password (they would end up in models.lock); no fragment but
 * `#sha256=<hex>`, which pins the bytes as `@sha256:` does; plain http only for
 * localhost, 127.0.0.0/8 and [::1] (see isLoopbackHost).
 */
export function parseUrlRef(text: string, problems: Problems): { ref: Omit<UrlReference, "digest">; digest?: Sha256Digest } | undefined {
  const hash = text.indexOf("#");
  const body = hash < 0 ? text : text.slice(0, hash);
  let digest: Sha256Digest | undefined;
  if (hash >= 0) {
    const fragment = text.slice(hash + 1);
    if (!fragment.toLowerCase().startsWith("sha256=")) {
      return problems.error("MS4105", `unsupported URL fragment \`#${fragment}\``, hash, text.length, "the only fragment a reference may carry is `#sha256=<64 hex digits>`");
    }
    digest = parseSha256(fragment, "#", problems.at(hash + 1));
    if (digest === undefined) return undefined;
  }
  let url: URL;
  try {
    url = new URL(body);
  } catch {
    return problems.error("MS4105", `\`${body}\` is not a valid URL`, 0, body.length);
  }
  const authorityStart = body.indexOf("//") + 2;
  if (url.username !== "" || url.password !== "") {
    const end = body.indexOf("@", authorityStart);
    return problems.error("MS4105", "a reference may not carry credentials", authorityStart, end < 0 ? body.length : end + 1, "remove `user:password@`; they would be written to models.lock");
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.host)) {
    const hostEnd = body.slice(authorityStart).search(/[/?#]|$/) + authorityStart;
    return problems.error("MS4106", `plain http is not allowed for ${url.hostname}`, 0, hostEnd, "use https://; http:// is accepted only for localhost and 127.0.0.0/8");
  }
  return digest === undefined ? { ref: { kind: "url", url: url.href } } : { ref: { kind: "url", url: url.href }, digest };
}
