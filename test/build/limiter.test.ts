import { humanNumber } from "../../src/inspect/human.js";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { it } from "node:test";
import { limiter } from "../../src/build/limiter.js";

it("limiter runs at most n at once, in call order", async () => {
  const limit = limiter(2);
  let active = 0;
  let peak = 0;
  const started: number[] = [];
  await Promise.all(
    [0, 1, 2, 3, 4].map((i) =>
      limit(async () => {
        started.push(i);
        peak = Math.max(peak, ++active);
        await sleep(5);
        active--;
      }),
    ),
  );
  assert.equal(peak, 2);
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
});

it("limiter goes on after a failure", async () => {
  const limit = limiter(1);
  await assert.rejects(limit(() => Promise.reject(new Error("boom"))), /boom/);
  assert.equal(await limit(async () => 7), 7);
});

it("model_type is written with Ollama's HumanNumber (whole units bare, B one decimal, M two)", () => {
  assert.deepEqual([8_030_261_248, 8_000_000_000, 135_000_000, 1_752_064, 12_345, 999].map(humanNumber), ["8.0B", "8B", "135M", "1.75M", "12K", "999"]);
});
