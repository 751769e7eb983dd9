import { checkPart, parseHost, TAG_FIRST, TAG_REST } from "./name-parts.js";
import type { Problems } from "./problems.js";
import type { OciReference } from "./reference-types.js";

/** One path component of an OCI repository name (distribution spec). */
const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;

/**
 * The part of `oci://…` after the scheme (the pin already split off):
 *
 *     oci-name   = host [ ":" port ] "/" repository [ ":" tag ]
 *     repository = component *( "/" component )   ; [a-z0-9]+ joined by ".", "_", "__" or "-"+
 *     tag        = ( alnum / "_" ) *( alnum / "_" / "." / "-" )   ; at most 128
 *
 * `tag` defaults to `latest`, unless the reference is pinned by digest alone
 * (`oci://host/repo@sha256:…`), where it stays absent.
 */
export function parseOciName(text: string, pinned: boolean, problems: Problems): Omit<OciReference, "digest"> | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) {
    return problems.error("MS4107", `\`oci://${text}\` names no repository`, 0, text.length, "write `oci://host[:port]/repository[:tag]`");
  }
  const host = parseHost(text.slice(0, slash), "MS4107", problems);
  const rest = text.slice(slash + 1);
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.indexOf(":", lastSlash + 1);
  const repository = colon < 0 ? rest : rest.slice(0, colon);
  const tagText = colon < 0 ? undefined : rest.slice(colon + 1);
  let ok = host !== undefined;
  let offset = slash + 1;
  for (const component of repository.split("/")) {
    if (!COMPONENT.test(component)) {
      const hint = /[A-Z]/.test(component)
        ? "repository names are lower-case"
        : "a repository is `/`-separated components of [a-z0-9] joined by `.`, `_`, `__` or `-`";
      problems.error("MS4107", component === "" ? "empty path component in the repository" : `invalid repository component \`${component}\``, offset, offset + component.length, hint);
      ok = false;
      break;
    }
    offset += component.length + 1;
  }
  let tag: string | undefined = pinned ? undefined : "latest";
  if (tagText !== undefined) {
    if (checkPart(tagText, "tag", TAG_FIRST, TAG_REST, "MS4107", problems.at(slash + 1 + colon + 1))) tag = tagText;
    else ok = false;
  }
  if (!ok || host === undefined) return undefined;
  return tag === undefined ? { kind: "oci", host, repository } : { kind: "oci", host, repository, tag };
}
