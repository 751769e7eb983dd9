import path from "node:path";
import { looksLikePin } from "./digest.js";
import type { Problems } from "./problems.js";
import type { FileReference } from "./reference-types.js";

/** Text that is a local path: it starts with one of these. */
export function isLocalPath(text: string): boolean {
  return /^(?:\.\.?\/|\/|~\/)/.test(text) || /^~[^/]/.test(text) || text === "~" || text === "." || text === "..";
}

/**
 * A local GGUF file (the pin already split off):
 *
 *     local = ( "./" / "../" / "/" / "~/" ) path
 *
 * Relative paths are relative to the Modelfile that names them; `~/` is the
 * user's home directory (expanded by the source, not here; `~user/` is not
 * supported). The path is normalized (`a/../b` is `b`, no `//`, no `.`
 * segments) and a relative one keeps its leading `./` so that it still reads
 * as a path. Trailing slashes are dropped (`./ckpt/` is `./ckpt`, the same
 * source, lock entry and digest): a checkpoint folder is named with or without
 * one. What is left must name something: `.`, `..`, `~` and `./a/..` are
 * refused. Spaces are allowed.
 */
export function parseFilePath(text: string, problems: Problems): Omit<FileReference, "digest"> | undefined {
  if (/^~[^/]/.test(text)) {
    return problems.error("MS4116", `\`${text.split("/")[0]}\` is not supported`, 0, text.split("/")[0]!.length, "write `~/…` for your home directory, or a full path");
  }
  let prefix = "";
  let rest = text;
  if (text.startsWith("~/")) {
    prefix = "~/";
    rest = text.slice(2);
  }
  const trimmed = rest.replace(/\/+$/, "");
  const normalized = path.posix.normalize(trimmed === "" ? (rest === "" ? "." : "/") : trimmed);
  const unnamed = normalized === "/" || /(?:^|\/)\.\.?$/.test(normalized);
  if (text === "~" || unnamed || rest === "") {
    return problems.error("MS4116", `\`${text}\` does not name a file or folder`, 0, text.length, "point FROM at a .gguf file or a checkpoint folder, e.g. `./model.gguf` or `./ckpt`");
  }
  const at = normalized.lastIndexOf("@");
  if (at >= 0 && looksLikePin(normalized.slice(at + 1))) {
    // Only reachable when normalizing moved a `/` away: the canonical text would read as a pin.
    return problems.error("MS4116", `\`${text}\` ends in what reads as a pin once normalized`, 0, text.length, "rename the file, or write the path without `.` and `..` segments");
  }
  const relative = prefix === "" && !normalized.startsWith("/") && !normalized.startsWith("../");
  return { kind: "file", path: prefix + (relative ? `./${normalized}` : normalized) };
}

/**
 * The path of a local reference relative to the project root, given the
 * directory of the Modelfile that names it (itself relative to the root,
 * `/`-separated, "" or "." for the root). Absolute and `~/` paths are returned
 * as they are. Lets the lock key a local file the same way from every Modelfile.
 */
export function rebaseLocalPath(ref: FileReference, modelfileDir: string): FileReference {
  if (!ref.path.startsWith("./") && !ref.path.startsWith("../")) return ref;
  const joined = path.posix.normalize(path.posix.join(modelfileDir === "" ? "." : modelfileDir, ref.path));
  const p = joined.startsWith("../") || joined.startsWith("/") ? joined : `./${joined}`;
  return { ...ref, path: p };
}
