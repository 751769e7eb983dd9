/**
 * Whether a FROM value names a local file or directory rather than a model
 * reference. Local: starts with `./`, `../`, `/`, `~`, `\` or a drive letter
 * (`C:\`, `C:/`), is `.` or `..`, or has no URL scheme and ends with a weights
 * extension (`.gguf`, `.bin`, `.safetensors`). Everything else (`llama3:8b`,
 * `hf://org/repo/file.gguf`, `https://...`, a project model's name) is a
 * reference for the resolver. Pure: the file system is not consulted (Ollama
 * stats the path; modelsmith decides from the text so that a build is the same
 * on every machine).
 */
export function isLocalPath(ref: string): boolean {
  if (ref === "." || ref === "..") return true;
  if (/^(\.{1,2}[\\/]|[\\/~])/.test(ref)) return true;
  if (/^[A-Za-z]:[\\/]/.test(ref)) return true;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(ref)) return false;
  return /\.(gguf|bin|safetensors)$/i.test(ref);
}
