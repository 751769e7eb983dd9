import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startServer, type RunningServer } from "../../src/serve/index.js";
import { originMatcher } from "../../src/serve/cors.js";
import { tempStore } from "../runtime/store-model.js";

let env: Awaited<ReturnType<typeof tempStore>>;
let server: RunningServer;

before(async () => {
  env = await tempStore();
  server = await startServer({ storeRoot: env.root, port: 0, origins: ["https://*.example.com"], open: () => Promise.reject(new Error("no model is loaded in this test")) });
});
after(async () => {
  await server?.close();
  await env?.cleanup();
});

test("Ollama's default origins and the added patterns match; others do not", () => {
  const ok = originMatcher(["https://*.example.com"]);
  for (const o of ["http://localhost", "http://localhost:3000", "https://127.0.0.1:8443", "http://0.0.0.0:5173", "app://obsidian.md", "vscode-webview://abc", "https://app.example.com"]) assert.equal(ok(o), true, o);
  for (const o of ["https://evil.test", "http://localhost.evil.test", "http://127.0.0.1.evil.test:80", "https://example.com", "null"]) assert.equal(ok(o), false, o);
});

test("a page on an allowed origin gets CORS headers and its preflight answered; any other origin is 403; no Origin (curl, SDKs) is unaffected", async () => {
  const allowed = await fetch(`${server.url}/api/tags`, { headers: { Origin: "http://localhost:3000" } });
  assert.equal(allowed.status, 200);
  assert.equal(allowed.headers.get("access-control-allow-origin"), "http://localhost:3000");
  assert.equal(allowed.headers.get("vary"), "Origin");

  const preflight = await fetch(`${server.url}/v1/chat/completions`, { method: "OPTIONS", headers: { Origin: "https://app.example.com", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type" } });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "https://app.example.com");
  assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /\bPOST\b/);
  assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /\bAuthorization\b.*\bContent-Type\b/);

  const refused = await fetch(`${server.url}/api/tags`, { headers: { Origin: "https://evil.test" } });
  assert.equal(refused.status, 403);
  assert.equal(refused.headers.get("access-control-allow-origin"), null);
  assert.match(((await refused.json()) as { error: string }).error, /^origin https:\/\/evil\.test is not allowed: add it with --origins/);
  const refusedOpenAi = await fetch(`${server.url}/v1/models`, { headers: { Origin: "https://evil.test" } });
  assert.equal(refusedOpenAi.status, 403);
  assert.equal(((await refusedOpenAi.json()) as { error: { type: string } }).error.type, "invalid_request_error");

  const plain = await fetch(`${server.url}/api/tags`);
  assert.equal(plain.status, 200);
  assert.equal(plain.headers.get("access-control-allow-origin"), null);
});
