/**
 * Which browser origins may call the server: Ollama's defaults (localhost and
 * 127.0.0.1 and 0.0.0.0 on any port, over http or https, and the app://,
 * file://, tauri:// and VS Code webview schemes), plus the patterns the user
 * adds (`--origins`, MODELSMITH_ORIGINS; `*` matches anything, e.g.
 * `https://*.example.com`). As in Ollama, a request from any other origin is
 * refused (403), so a web page the user visits cannot drive local models.
 */
export const DEFAULT_ORIGINS: readonly string[] = [
  ...["localhost", "127.0.0.1", "0.0.0.0"].flatMap((h) => [`http://${h}`, `https://${h}`, `http://${h}:*`, `https://${h}:*`]),
  "app://*",
  "file://*",
  "tauri://*",
  "vscode-webview://*",
  "vscode-file://*",
];

/** A matcher for `patterns` (and the defaults). */
export function originMatcher(extra: readonly string[] = []): (origin: string) => boolean {
  const res = [...DEFAULT_ORIGINS, ...extra.map((p) => p.trim()).filter((p) => p !== "")].map(
    (p) => new RegExp(`^${p.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`),
  );
  return (origin) => res.some((re) => re.test(origin));
}

/** Headers a browser's preflight needs for the methods and headers the APIs use. */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS",
  "Access-Control-Allow-Headers": "Authorization, Content-Type, User-Agent, Accept, X-Requested-With, X-Stainless-Lang, X-Stainless-Package-Version, X-Stainless-OS, X-Stainless-Arch, X-Stainless-Runtime, X-Stainless-Runtime-Version, X-Stainless-Async, X-Stainless-Retry-Count, X-Stainless-Timeout",
  "Access-Control-Max-Age": "600",
};
