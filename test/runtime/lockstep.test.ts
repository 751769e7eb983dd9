import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openModel, type RuntimeModel } from "../../src/runtime/index.js";
import { Lockstep } from "../../src/runtime/lockstep.js";
import { oracleContinuation, oracleLlama } from "../../src/testmodels/index.js";
import { storeModel, tempStore } from "./store-model.js";

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("Lockstep", () => {
  test("a generation alone never waits", () => {
    const l = new Lockstep();
    assert.equal(l.join(), undefined);
    assert.equal(l.arrive(), undefined);
    assert.equal(l.arrive(), undefined);
    l.leave();
    assert.equal(l.join(), undefined, "the next one is alone again");
  });

  test("two generations: the first to arrive waits for the other, then both go on the next turn of the event loop", async () => {
    const l = new Lockstep();
    const log: string[] = [];
    assert.equal(l.join(), undefined);
    await turn();
    const joinB = l.join();
    assert.ok(joinB instanceof Promise, "a joiner waits while another runs (a turn later)");
    void joinB.then(() => log.push("B joined"));
    const arriveA = l.arrive();
    assert.ok(arriveA instanceof Promise, "A waits for the round");
    void arriveA.then(() => log.push("A goes on"));
    await Promise.resolve();
    assert.deepEqual(log, [], "not released within the same turn (the dispatcher's microtasks come first)");
    await turn();
    assert.deepEqual(log, ["B joined", "A goes on"]);
    // Both run now: A's arrival waits for B's, and B's arrival ends the round.
    const a2 = l.arrive();
    assert.ok(a2 instanceof Promise);
    const b2 = l.arrive();
    assert.ok(b2 instanceof Promise);
    await turn();
    await Promise.all([a2, b2]);
  });

  test("a round's waiters go on in the order of their sequence ids, whatever order they came in", async () => {
    const l = new Lockstep();
    const log: number[] = [];
    assert.equal(l.join(2), undefined);
    await turn();
    // 1 and 0 join while 2 runs; 2 arrives last: the round releases 0, 1, 2.
    const waits = [l.join(1), l.join(0), l.arrive(2)].map((p, i) => Promise.resolve(p).then(() => log.push([1, 0, 2][i]!)));
    await turn();
    await Promise.all(waits);
    assert.deepEqual(log, [0, 1, 2]);
  });

  test("a generation that leaves ends the round for the others", async () => {
    const l = new Lockstep();
    l.join();
    await turn();
    const b = l.join();
    const first = l.arrive(); // A's first token: B joins it
    await turn();
    await Promise.all([b, first]);
    const a = l.arrive();
    let released = false;
    void (a as Promise<void>).then(() => (released = true));
    await turn();
    assert.equal(released, false, "B is still running");
    l.leave();
    await turn();
    assert.equal(released, true);
    assert.equal(l.arrive(), undefined, "A is alone now");
  });

  test("joiners in the same turn as one that started alone start with it, at once; a turn later they wait for the round", async () => {
    const l = new Lockstep();
    assert.equal(l.join(0), undefined);
    assert.equal(l.join(1), undefined, "same turn: starts too");
    assert.equal(l.join(2), undefined, "same turn: starts too");
    await turn();
    const d = l.join(3);
    assert.ok(d instanceof Promise, "a turn later: waits for the round");
    const rounds = [l.arrive(0), l.arrive(1), l.arrive(2)];
    assert.ok(rounds.every((r) => r instanceof Promise), "the three run together: each waits for the others");
    await turn();
    await Promise.all([d, ...rounds]);
  });

  test("a joiner that comes while a release is pending goes with that release", async () => {
    const l = new Lockstep();
    l.join();
    await turn();
    const b = l.join();
    l.leave(); // A done: B's release is scheduled
    const c = l.join();
    assert.ok(c instanceof Promise, "C waits for the pending release rather than starting alone");
    await turn();
    await Promise.all([b, c]);
    const arriveB = l.arrive();
    assert.ok(arriveB instanceof Promise, "B and C run together");
    l.leave();
    await turn();
    await arriveB;
  });
});

describe("generations on one context's sequences", () => {
  const prompts = ["The quick brown", "jumps over the", "the lazy dog.", "The quick"];
  let env: Awaited<ReturnType<typeof tempStore>>;
  let model: RuntimeModel;

  before(async () => {
    env = await tempStore();
    // Without EOS, so that every generation runs its 12 tokens.
    await storeModel(env.store, "oracle", { gguf: oracleLlama({ endWithEos: false }), params: { temperature: 0, num_predict: 12 } });
    model = await openModel(env.root, "oracle", { threads: 1, contextSize: 512, parallel: 4, gpu: false });
  });
  after(async () => {
    await model?.close();
    await env?.cleanup();
  });

  test("four at once each give their own known text, as one alone does", async () => {
    const together = await Promise.all(prompts.map((prompt) => model.generate({ prompt, raw: true })));
    for (const [i, prompt] of prompts.entries()) {
      const alone = await model.generate({ prompt, raw: true });
      assert.equal(together[i]!.text, alone.text, `prompt ${i}`);
      assert.equal(together[i]!.text, oracleContinuation({ endWithEos: false }, prompt, 12).rawText, `prompt ${i}`);
      assert.equal(together[i]!.completionTokens, 12);
    }
  });

  test("afterEachDecode: told once per batch decode, after the decode and before its token is taken; removable", async () => {
    const events: string[] = [];
    const remove = model.afterEachDecode!(() => events.push("decoded"));
    try {
      await model.generate({ prompt: "The quick brown", raw: true, onToken: () => events.push("token") });
    } finally {
      remove();
    }
    // One decode for the prompt, then one per token but the last (12 tokens: 12 decodes), each told before the token it gave.
    assert.equal(events.filter((e) => e === "decoded").length, 12, events.join(" "));
    assert.equal(events.filter((e) => e === "token").length, 12);
    for (let i = 0; i < 12; i++) assert.equal(events[2 * i], "decoded", `event ${2 * i}: ${events.join(" ")}`);
    const before = events.length;
    await model.generate({ prompt: "jumps over the", raw: true });
    assert.equal(events.length, before, "removed: no longer told");
  });

  test("instrumented (counts node-llama-cpp's internal decode calls): four generations of 12 tokens decode in lockstep batches", async () => {
    const context = (model as unknown as { context: { _ctx: Record<string | symbol, unknown> } }).context;
    const real = context._ctx;
    const batchSizes: number[] = [];
    context._ctx = new Proxy(real, {
      get(target, p) {
        const v = target[p];
        if (p === "initBatch") return (n: number) => (batchSizes.push(n), (v as (n: number) => unknown).call(target, n));
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    try {
      await Promise.all(prompts.map((prompt) => model.generate({ prompt: ` ${prompt}`, raw: true })));
    } finally {
      context._ctx = real;
    }
    // 4 x 12 tokens: 12 rounds, the first holding the 4 prompts (they join in one turn, so none goes alone).
    // Without lockstep the sequences drift apart and the same work takes 20-40 smaller batches.
    // (What each sequence still holds of an earlier prompt is reused, so the first batch can be smaller than the prompts.)
    assert.ok(batchSizes.slice(1).every((n) => n <= 4), `no prompt after the first batch: ${batchSizes.join(" ")}`);
    assert.ok(batchSizes.length <= 13, `${batchSizes.length} batches: ${batchSizes.join(" ")}`);
    assert.ok(batchSizes.filter((n) => n === 4).length >= 10, `batches: ${batchSizes.join(" ")}`);
  });

  // llama.cpp splits a batch of a non-unified KV cache (node-llama-cpp's: one
  // stream per sequence) into micro-batches of consecutive increasing sequence
  // ids in batch order, one graph compute each:
  // https://github.com/ggml-org/llama.cpp/blob/5b4ebc5/src/llama-batch.cpp#L537-L540 (split_equal, "accept only increasing sequence ids")
  test("instrumented (node-llama-cpp's internal addToBatch): round after round, a batch holds its sequences in increasing id order", async () => {
    const context = (model as unknown as { context: { _ctx: Record<string | symbol, unknown> } }).context;
    const real = context._ctx;
    const batches: number[][] = [];
    context._ctx = new Proxy(real, {
      get(target, p) {
        const v = target[p];
        if (p === "initBatch") return (n: number) => (batches.push([]), (v as (n: number) => unknown).call(target, n));
        if (p === "addToBatch") return (id: number, ...rest: unknown[]) => (batches.at(-1)!.push(id), (v as (...a: unknown[]) => unknown).call(target, id, ...rest));
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    try {
      // Staggered ends (num_predict 4, 8, 12, 16) leave the sequences freed out of order for the next rounds.
      for (let r = 0; r < 3; r++) await Promise.all(prompts.map((prompt, i) => model.generate({ prompt: ` ${prompt} ${r}`, raw: true, options: { num_predict: 4 * (((i + r) % 4) + 1) } })));
    } finally {
      context._ctx = real;
    }
    const rounds = batches.filter((b) => b.length > 1);
    assert.ok(rounds.length >= 20, `${rounds.length} batches of several sequences`);
    // Increasing ids in every batch; each round starts on the lowest free ids (0, 1, 2, 3 when all four run).
    // A gap (0, 1, 3) comes only from a generation that ended, and splits the micro-batch there.
    const all = batches.map((x) => x.join(",")).join(" | ");
    for (const b of rounds) assert.ok(b.every((id, k) => k === 0 || id > b[k - 1]!), `a batch of sequences ${b.join(", ")} (all batches: ${all})`);
    assert.ok(rounds.filter((b) => b.length === 4).every((b) => b.join() === "0,1,2,3"), all);
  });
});
