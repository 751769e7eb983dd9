import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Ajv } from "ajv";
import type { Ollama } from "ollama";
import type { RunningServer } from "../../src/serve/index.js";
import { ollamaClient, ollamaFailure, serveEnv, type ServeEnv } from "./helpers.js";

/**
 * FORMAT as a JSON Schema (issue 10, item 9, first part): what the grammar
 * cannot honour is a 400 naming it, never silently loosened; what it honours
 * holds on a random-weight model's outputs, checked by ajv over many samples.
 */

let env: ServeEnv;
let server: RunningServer;
let ollama: Ollama;
before(async () => {
  env = await serveEnv();
  server = await env.start();
  ollama = ollamaClient(server);
});
after(() => env?.cleanup(), { timeout: 30_000 });

test("constraints the grammar would drop are a 400 naming each (minimum/maximum once gave {\"n\": -0}), on both APIs", async () => {
  const cases: Array<[object, RegExp]> = [
    [{ type: "object", properties: { n: { type: "integer", minimum: 5, maximum: 7 } }, required: ["n"] }, /`minimum` at \/properties\/n; `maximum` at \/properties\/n/],
    [{ type: "string", pattern: "^[a-z]+$" }, /`pattern` at \//],
    [{ allOf: [{ type: "object" }] }, /`allOf`/],
    [{ type: "string", format: "email" }, /format: "email"/],
    [{ type: "array", items: { type: "number", multipleOf: 2 } }, /`multipleOf` at \/items/],
  ];
  for (const [format, reason] of cases) {
    const f = await ollamaFailure(ollama.generate({ model: "random", prompt: "x", format, options: { num_predict: 20 } }));
    assert.equal(f.status, 400, JSON.stringify(format));
    assert.match(f.error, /MS8020/);
    assert.match(f.error, reason);
  }
  const res = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "random", messages: [{ role: "user", content: "x" }], response_format: { type: "json_schema", json_schema: { name: "n", schema: cases[0]![0] } } }),
  });
  assert.equal(res.status, 400);
  assert.match(JSON.stringify(await res.json()), /minimum/);
});

test("a schema it honours (enum, const, anyOf, $ref/$defs, format date, array bounds, additionalProperties false): 12 sampled outputs all valid", async () => {
  const schema = {
    $defs: { tag: { type: "string", enum: ["red", "green", "blue"] } },
    type: "object",
    properties: {
      kind: { const: "item" },
      tag: { $ref: "#/$defs/tag" },
      // A free string is left out: a random model's byte tokens make long strings of broken UTF-8 (decoded as U+FFFD,
      // so ajv counts more characters than maxLength's grammar did: a known bug, see docs/decisions.md).
      name: { type: "string", format: "date" },
      size: { anyOf: [{ type: "integer" }, { type: "null" }] },
      list: { type: "array", items: { type: "boolean" }, minItems: 1, maxItems: 3 },
    },
    required: ["kind", "tag", "name", "size", "list"],
    additionalProperties: false,
  };
  const ajv = new Ajv({ strict: false });
  // ajv-formats is not installed: "date" as JSON Schema defines it (RFC 3339 full-date).
  ajv.addFormat("date", /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);
  const validate = ajv.compile(schema);
  for (let seed = 1; seed <= 12; seed++) {
    const r = await ollama.generate({ model: "random", prompt: `item ${seed}`, format: schema, options: { seed, temperature: 1, num_predict: 300 } });
    assert.equal(r.done_reason, "stop", r.response);
    const value: unknown = JSON.parse(r.response ?? "");
    assert.ok(validate(value), `${r.response}: ${JSON.stringify(validate.errors)}`);
  }
});
