/**
 * A runner: one loaded model in its own process (started by runner-model.ts,
 * from the spawner thread). It connects to the server's socket
 * (MODELSMITH_RUNNER_SOCKET), opens the model with the runtime's openModel and
 * serves the server's requests over it (protocol.ts). When the socket closes
 * (the server exited or was killed) it exits at once; under Linux it also runs
 * with a parent-death signal (setpriv --pdeathsig KILL), so it dies with the
 * server.
 */
import { getPriority } from "node:os";
import { connect } from "node:net";
import { openModel, type RuntimeModel } from "../../runtime/index.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { dieNow, dieWithParent } from "../../quantize/parent-death.js";
import { batchWindowMs, Outbox, streamIntervalMs } from "./outbox.js";
import { fdpass, type FdPass } from "./fdpass.js";
import { DirectStream, takeConnection } from "./direct-stream.js";
import { frame, readMessages, toWire, type FromRunner, type ToRunner } from "./protocol.js";

const address = process.env["MODELSMITH_RUNNER_SOCKET"];
if (!address) {
  process.stderr.write("modelsmith runner: MODELSMITH_RUNNER_SOCKET is not set: a runner is started by `modelsmith serve`\n");
  dieNow();
}
const socket = connect(address!);
/** When this runner last wrote to the server (performance.now()). */
let lastToServer = 0;
/** While it writes to clients itself, it says `alive` when it has said nothing else for this long (the server's `open` sets it). */
let aliveMs = 1000;
/** Writes messages (framed) to the server. */
const write = (framed: string) => {
  if (socket.destroyed) return;
  lastToServer = performance.now();
  socket.write(framed);
};
const send = (m: FromRunner) => write(frame(m));
/** The handoff channel (MODELSMITH_RUNNER_HANDOFF_FD, fdpass.ts), when the server made one and the module loads here. */
const handoff = handoffChannel();

let model: RuntimeModel | undefined;
const aborts = new Map<number, AbortController>();
/** Streamed requests the server may hand over (protocol.ts): their state until `done`. */
const directs = new Map<number, DirectStream>();
/** Generations under way. */
let running = 0;
let gate: Promise<void> | undefined;
const windowMs = batchWindowMs();

/**
 * A request that finds the model idle waits `windowMs` for the requests that
 * arrive with it, which then start together, so that their prompts go to
 * llama.cpp in one batch (docs/decisions.md, "Requests that arrive together
 * start together"); undefined (no wait) when a generation is under way: a
 * request then joins the next batch.
 */
function admitted(): Promise<void> | undefined {
  if (running > 0 || windowMs === 0) return undefined;
  gate ??= new Promise((resolve) =>
    setTimeout(() => {
      gate = undefined;
      resolve();
    }, windowMs),
  );
  return gate;
}

/** Pieces of streamed answers, sent between decodes (outbox.ts); paced once the model is open. */
let outbox = newOutbox(false);
function newOutbox(paced: boolean): Outbox {
  // One write for every request's pieces: one wake-up of the server per message, however many streams.
  return new Outbox(
    (batch) => {
      if (socket.destroyed) return;
      let out = "";
      for (const [id, p] of batch) {
        const d = directs.get(id);
        if (!d || d.toServer(p)) out += frame({ t: "tok", id, p });
      }
      if (out !== "") write(out);
      else if (performance.now() - lastToServer >= aliveMs) send({ t: "alive" });
    },
    { paced, intervalMs: streamIntervalMs(), maxDelayMs: 50, maxPieces: 4 },
  );
}

async function handle(m: ToRunner): Promise<void> {
  switch (m.t) {
    case "open":
      if (m.aliveMs !== undefined) aliveMs = m.aliveMs;
      try {
        // The server's onWarning, when it gave one, gets the warnings; else they go to stderr (the server's, which the runner's is piped to).
        const onWarning = m.warnings ? { onWarning: (diagnostic: Diagnostic) => send({ t: "warn", diagnostic }) } : {};
        // busyEventLoop: this loop sends tokens to the server while decodes run, as the in-process server does (see lowerEventLoopPriority).
        // decodeOnThread: this process exists to decode: small decodes and samples run here, not on libuv's workers (on-thread.ts).
        model = await openModel(m.root, m.name, { ...m.options, ...onWarning, busyEventLoop: true, decodeOnThread: true });
        const onThread = model.onThreadCounts?.() !== undefined;
        if (model.afterEachDecode) {
          const paced = newOutbox(true);
          // Decoding on this thread (on-thread.ts): at once, as the decode ends, so the server runs on the other core while this thread samples
          // and prepares the next decode, and that core's pool thread only spins (measured: ahead in 6 of 8 alternated pairs, about 3%).
          // Decoding on libuv's workers: on the next turn, as node-llama-cpp queues the sampling in microtasks and the server, woken by the
          // write, would take this core from the sampling worker first.
          model.afterEachDecode(onThread ? () => paced.decoded() : () => setImmediate(() => paced.decoded()));
          outbox = paced;
        }
        // lowered: openModel put this event loop at nice 19 (lowerEventLoopPriority); the server's, which also wakes per token, follows.
        const lowered = process.platform === "linux" && getPriority() >= 19;
        send({ t: "ready", name: model.name, manifestDigest: model.manifestDigest, backend: model.backend, embeds: typeof model.embed === "function", lowered, onThread, ...(model.footprint ? { footprint: model.footprint } : {}) });
      } catch (err) {
        send({ t: "openFailed", error: toWire(err) });
      }
      return;
    case "gen": {
      const abort = new AbortController();
      aborts.set(m.id, abort);
      if (m.stream && m.direct && handoff) directs.set(m.id, new DirectStream(m.direct, (on) => send({ t: "backlog", id: m.id, on })));
      let answer: FromRunner;
      const wait = admitted();
      if (wait) await wait;
      running++;
      try {
        const result = await model!.generate({ ...m.req, signal: abort.signal, ...(m.stream ? { onToken: (text: string) => outbox.piece(m.id, text) } : {}) });
        answer = { t: "done", id: m.id, result };
      } catch (err) {
        answer = { t: "error", id: m.id, error: toWire(err) };
      }
      running--;
      outbox.end(m.id);
      const d = directs.get(m.id);
      if (d) {
        directs.delete(m.id);
        // Pieces still held go to the server before the answer; written ones must be in the kernel before it (the server writes the last chunk).
        const held = d.release();
        if (held.length > 0) send({ t: "tok", id: m.id, p: held });
        if ((await d.close()) && answer.t === "done") answer.direct = true;
      }
      aborts.delete(m.id);
      send(answer);
      return;
    }
    case "go": {
      const fd = handoff ? takeConnection(handoff, m.id) : -1;
      const d = directs.get(m.id);
      if (!d || !d.take(fd)) {
        if (fd >= 0) handoff!.lib.close(fd);
        if (d) releaseHeld(m.id, d);
      }
      return;
    }
    case "nogo": {
      const d = directs.get(m.id);
      if (d) releaseHeld(m.id, d);
      return;
    }
    case "embed":
      try {
        send({ t: "done", id: m.id, result: await model!.embed!(m.inputs, m.options) });
      } catch (err) {
        send({ t: "error", id: m.id, error: toWire(err) });
      }
      return;
    case "cancel":
      aborts.get(m.id)?.abort();
      return;
    case "close":
      await model?.close().catch(() => undefined);
      // Not process.exit: with llama.cpp's threads about, an orderly exit can hang in a futex (parent-death.ts).
      dieNow();
  }
}

/** The server will not hand request `id` over (or it cannot be taken): its held pieces go to the server, and so will the rest. */
function releaseHeld(id: number, d: DirectStream): void {
  directs.delete(id);
  const held = d.release();
  if (held.length > 0) send({ t: "tok", id, p: held });
}

function handoffChannel(): { fd: number; lib: FdPass } | undefined {
  const raw = process.env["MODELSMITH_RUNNER_HANDOFF_FD"];
  const lib = fdpass();
  if (raw === undefined || !/^\d+$/.test(raw) || !lib) return undefined;
  return { fd: Number(raw), lib };
}

readMessages<ToRunner>(socket, (m) => void handle(m));
// The server is gone (exited, killed, or closed the socket), or never answered: nothing to serve.
socket.on("close", () => dieNow());
socket.on("error", () => undefined);
// And with the parent-death signal and a ppid poll, however the server dies (SIGKILL included).
dieWithParent(process.ppid);
// Ctrl-C in a terminal signals the whole process group: the server's grace logic decides when the runner ends.
process.on("SIGINT", () => undefined);
