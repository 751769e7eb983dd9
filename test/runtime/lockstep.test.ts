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
    const joinB = l.join();
    assert.ok(joinB instanceof Promise, "a joiner waits while another runs");
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

  test("a generation that leaves ends the round for the others", async () => {
    const l = new Lockstep();
    l.join();
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

  test("a joiner that comes while a release is pending goes with that release", async () => {
    const l = new Lockstep();
    l.join();
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
    // 4 x 12 tokens: 12 rounds, the first holding the prompts (one may go alone
    // while the others tokenize). Without lockstep the sequences drift apart and
    // the same work takes 20-40 smaller batches.
    assert.ok(batchSizes.length <= 14, `${batchSizes.length} batches: ${batchSizes.join(" ")}`);
    assert.ok(batchSizes.filter((n) => n === 4).length >= 10, `batches: ${batchSizes.join(" ")}`);
  });
});
