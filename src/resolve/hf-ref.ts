import type { Problems } from "./problems.js";
import type { HfReference, HfRepoReference } from "./reference-types.js";

export const HF_DEFAULT_REVISION = "main";

/** A Hugging Face user, organization or repository name. */
const REPO_ID = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;
/** A git revision: branch, tag (`v1.0`, `refs/pr/1`) or commit sha. */
const REVISION = /^[A-Za-z0-9_](?:[A-Za-z0-9._/-]{0,253}[A-Za-z0-9_])?$/;
/** Characters a file path in the repository may hold; `@`, `?`, `#`, `\` and whitespace may not. */
const FILE_CHAR = /^[^@?#\\\s]$/;

const FORM = "write `hf://<org>/<repo>/<path of the file>[@revision]`";
const REPO_FORM = "write `hf://<org>/<repo>[@revision]` for a whole repository, or `hf://<org>/<repo>/<path of the file>[@revision]` for one file";
/** A repository name that is surely a file name: `hf://org/model.gguf` lacks the repository. */
const FILE_LIKE = /\.(gguf|safetensors|bin|json)$/i;

/**
 * The part of `hf://…` after the scheme (the pin already split off):
 *
 *     hf-name  = org "/" repo [ "/" file ] [ "@" revision ]         ; no file: the whole repository
 *     org/repo = alnum [ *( alnum / "." / "_" / "-" ) alnum ]    ; at most 96, no "--" or ".."
 *     file     = segment *( "/" segment )                        ; no "." or ".." segments
 *     revision = branch, tag or commit sha; may hold "/" (refs/pr/1); default "main"
 */
export function parseHfName(text: string, problems: Problems): Omit<HfReference, "digest"> | Omit<HfRepoReference, "digest"> | undefined {
  const at = text.lastIndexOf("@");
  const name = at < 0 ? text : text.slice(0, at);
  const revision = at < 0 ? HF_DEFAULT_REVISION : text.slice(at + 1);
  const [org = "", repo, ...fileParts] = name.split("/");
  if (!checkRepoId(org, "organization", 0, problems)) return undefined;
  if (repo === undefined) return problems.error("MS4104", `\`hf://${text}\` names no repository`, 0, text.length, REPO_FORM);
  if (!checkRepoId(repo, "repository", org.length + 1, problems)) return undefined;
  const file = fileParts.join("/");
  const fileStart = org.length + repo.length + 2;
  if (fileParts.length === 0) {
    if (FILE_LIKE.test(repo)) return problems.error("MS4104", `\`hf://${text}\` names a file but no repository`, 0, name.length, REPO_FORM);
    if (!checkRevision(revision, at, text.length, problems)) return undefined;
    return { kind: "hfrepo", org, repo, revision };
  }
  if (file === "") return problems.error("MS4104", `\`hf://${text}\` names no file in the repository`, 0, name.length, FORM);
  let offset = fileStart;
  for (const seg of fileParts) {
    if (seg === "" || seg === "." || seg === "..") {
      return problems.error("MS4104", `invalid file path \`${file}\`: empty, \`.\` or \`..\` segment`, offset, offset + seg.length, FORM);
    }
    for (let i = 0; i < seg.length; i++) {
      if (!FILE_CHAR.test(seg[i]!)) return problems.error("MS4104", `invalid character \`${seg[i]}\` in the file path \`${file}\``, offset + i, offset + i + 1, FORM);
    }
    offset += seg.length + 1;
  }
  if (!checkRevision(revision, at, text.length, problems)) return undefined;
  return { kind: "hf", org, repo, file, revision };
}

function checkRevision(revision: string, at: number, end: number, problems: Problems): boolean {
  if (REVISION.test(revision) && !revision.includes("..") && !revision.includes("//")) return true;
  problems.error("MS4104", revision === "" ? "the revision is empty" : `invalid revision \`${revision}\``, at + 1, end, "a revision is a branch, tag or commit sha, e.g. `main` or `refs/pr/1`");
  return false;
}

function checkRepoId(id: string, what: string, offset: number, problems: Problems): boolean {
  if (REPO_ID.test(id) && !id.includes("--") && !id.includes("..")) return true;
  problems.error("MS4104", id === "" ? `the ${what} name is empty` : `invalid ${what} name \`${id}\``, offset, offset + id.length, "names are letters, digits, `.`, `_` and `-`, at most 96, not starting or ending with `.` or `-`");
  return false;
}
