import { test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { batchWindowMs, Outbox, streamIntervalMs } from "../../src/serve/runner/outbox.js";

/** An outbox on a clock the test moves; what it sent, message by message. */
function outbox(o: { paced?: boolean; intervalMs?: number; maxDelayMs?: number; maxPieces?: number } = {}) {
  let clock = 1000;
  const sent: Array<Array<[number, string[]]>> = [];
  const box = new Outbox((batch) => sent.push(batch), { paced: o.paced ?? true, intervalMs: o.intervalMs ?? 16, maxDelayMs: o.maxDelayMs ?? 50, maxPieces: o.maxPieces ?? 4, now: () => clock });
  return { box, sent, tick: (ms: number) => (clock += ms) };
}

test("a request's first piece goes on the next turn of the event loop, with whatever else is pending", async () => {
  const { box, sent } = outbox();
  box.piece(1, "Hel");
  box.piece(2, "Wor");
  assert.equal(sent.length, 0, "nothing is written synchronously");
  await nextTurn();
  assert.deepEqual(sent, [
    [
      [1, ["Hel"]],
      [2, ["Wor"]],
    ],
  ]);
  box.flush();
  box.flush();
});

test("later pieces wait for a decode's end once the interval has passed, and go together in order", async () => {
  const { box, sent, tick } = outbox();
  box.piece(1, "a");
  await nextTurn();
  box.piece(1, "b");
  await nextTurn();
  assert.equal(sent.length, 1, "the second piece waits");
  tick(5);
  box.decoded();
  assert.equal(sent.length, 1, "5 ms after the last message: still within the 16 ms interval");
  box.piece(1, "c");
  tick(11);
  box.decoded();
  assert.deepEqual(sent[1], [[1, ["b", "c"]]]);
  box.decoded();
  assert.equal(sent.length, 2, "a decode with nothing pending sends nothing");
  box.end(1);
});

test("a piece never waits past the interval and maxDelayMs when no decode ends (real timers)", async () => {
  const sent: Array<Array<[number, string[]]>> = [];
  const box = new Outbox((batch) => sent.push(batch), { paced: true, intervalMs: 5, maxDelayMs: 10, maxPieces: 4 });
  box.piece(7, "x");
  await nextTurn();
  box.piece(7, "y");
  assert.equal(sent.length, 1);
  await sleep(60);
  assert.deepEqual(sent[1], [[7, ["y"]]]);
});

test("a slow model's piece (maxDelayMs or more since the last message) goes on the next turn, without waiting for a decode", async () => {
  const { box, sent, tick } = outbox();
  box.piece(1, "a");
  await nextTurn();
  tick(120); // one decode of a large model
  box.piece(1, "b");
  await nextTurn();
  assert.deepEqual(sent[1], [[1, ["b"]]]);
  tick(10);
  box.piece(1, "c");
  await nextTurn();
  assert.equal(sent.length, 2, "10 ms later: it waits for a decode again");
  box.end(1);
});

test("a request with maxPieces pending sends them at the next decode's end, without waiting for the interval", async () => {
  const { box, sent, tick } = outbox();
  box.piece(1, "a");
  await nextTurn();
  for (const p of ["b", "c", "d"]) box.piece(1, p);
  tick(1);
  box.decoded();
  assert.equal(sent.length, 1, "three pending, 1 ms after the last message: they wait");
  box.piece(1, "e");
  await nextTurn();
  assert.equal(sent.length, 1, "four pending: not at once, but at the end of the next decode (the compute threads idle)");
  box.decoded();
  assert.deepEqual(sent[1], [[1, ["b", "c", "d", "e"]]]);
  box.piece(1, "f");
  box.decoded();
  assert.equal(sent.length, 2, "sent: the count starts again");
  box.end(1);
});

test("end(id) sends what is pending at once, and the next request's first piece is immediate again", async () => {
  const { box, sent } = outbox();
  box.piece(3, "p");
  await nextTurn();
  box.piece(3, "q");
  box.end(3);
  assert.deepEqual(sent[1], [[3, ["q"]]]);
  box.piece(3, "r");
  await nextTurn();
  assert.deepEqual(sent[2], [[3, ["r"]]], "id 3 reused: its first piece goes on the next turn");
  box.end(3);
});

test("unpaced (the model cannot tell its decodes' ends) or interval 0: every piece on the next turn", async () => {
  for (const o of [{ paced: false }, { intervalMs: 0 }]) {
    const { box, sent } = outbox(o);
    box.piece(1, "a");
    await nextTurn();
    box.piece(1, "b");
    box.piece(1, "c");
    await nextTurn();
    assert.deepEqual(sent, [[[1, ["a"]]], [[1, ["b", "c"]]]], JSON.stringify(o));
    box.end(1);
  }
});

test("MODELSMITH_STREAM_INTERVAL_MS: a whole number of milliseconds up to 1000, else the default 16", () => {
  assert.equal(streamIntervalMs({}), 16);
  assert.equal(streamIntervalMs({ MODELSMITH_STREAM_INTERVAL_MS: "0" }), 0);
  assert.equal(streamIntervalMs({ MODELSMITH_STREAM_INTERVAL_MS: " 40 " }), 40);
  assert.equal(streamIntervalMs({ MODELSMITH_STREAM_INTERVAL_MS: "5000" }), 1000);
  assert.equal(streamIntervalMs({ MODELSMITH_STREAM_INTERVAL_MS: "-3" }), 16);
  assert.equal(streamIntervalMs({ MODELSMITH_STREAM_INTERVAL_MS: "fast" }), 16);
});

test("MODELSMITH_BATCH_WINDOW_MS: a whole number of milliseconds up to 1000, else the default 3", () => {
  assert.equal(batchWindowMs({}), 3);
  assert.equal(batchWindowMs({ MODELSMITH_BATCH_WINDOW_MS: "0" }), 0);
  assert.equal(batchWindowMs({ MODELSMITH_BATCH_WINDOW_MS: " 250 " }), 250);
  assert.equal(batchWindowMs({ MODELSMITH_BATCH_WINDOW_MS: "5000" }), 1000);
  assert.equal(batchWindowMs({ MODELSMITH_BATCH_WINDOW_MS: "-3" }), 3);
  assert.equal(batchWindowMs({ MODELSMITH_BATCH_WINDOW_MS: "soon" }), 3);
});
