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
import { connect, Socket } from "node:net";
import { openModel, type RuntimeModel } from "../../runtime/index.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { dieNow, dieWithParent } from "../../quantize/parent-death.js";
import { Outbox, streamIntervalMs } from "./outbox.js";
import { fdpass, type FdPass } from "./fdpass.js";
import { httpChunk, renderPiece, type PieceFrame } from "./frames.js";
import { frame, readMessages, toWire, type FromRunner, type ToRunner } from "./protocol.js";

const address = process.env["MODELSMITH_RUNNER_SOCKET"];
if (!address) {
  process.stderr.write("modelsmith runner: MODELSMITH_RUNNER_SOCKET is not set: a runner is started by `modelsmith serve`\n");
  dieNow();
}
const socket = connect(address!);
/** When this runner last wrote to the server (performance.now()). */
let lastToServer = 0;
const send = (m: FromRunner) => {
  if (socket.destroyed) return;
  lastToServer = performance.now();
  socket.write(frame(m));
};
/** The handoff channel (MODELSMITH_RUNNER_HANDOFF_FD, fdpass.ts), when the server made one and the module loads here. */
const handoff = handoffChannel();

let model: RuntimeModel | undefined;
const aborts = new Map<number, AbortController>();
/** Streamed requests the server may hand over (protocol.ts): their state until `done`. */
const directs = new Map<number, DirectStream>();

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
        if (!d || d.held(p)) out += frame({ t: "tok", id, p });
      }
      if (out !== "") {
        lastToServer = performance.now();
        socket.write(out);
      } else if (performance.now() - lastToServer >= 1000) send({ t: "alive" });
    },
    { paced, intervalMs: streamIntervalMs(), maxDelayMs: 50, maxPieces: 4 },
  );
}

async function handle(m: ToRunner): Promise<void> {
  switch (m.t) {
    case "open":
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
      try {
        const result = await model!.generate({ ...m.req, signal: abort.signal, ...(m.stream ? { onToken: (text: string) => outbox.piece(m.id, text) } : {}) });
        answer = { t: "done", id: m.id, result };
      } catch (err) {
        answer = { t: "error", id: m.id, error: toWire(err) };
      }
      outbox.end(m.id);
      const d = directs.get(m.id);
      if (d) {
        directs.delete(m.id);
        // Pieces still held go to the server before the answer; written ones must be in the kernel before it (the server writes the last chunk).
        const held = d.release();
        if (held.length > 0) send({ t: "tok", id: m.id, p: held });
        await d.close();
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

/** The descriptor sent with `go` for `id`: messages on the channel for other ids (a request that ended first) are closed. -1 when none is there. */
function takeConnection(h: { fd: number; lib: FdPass }, id: number): number {
  for (;;) {
    const got = h.lib.receive(h.fd);
    if (!got) return -1;
    if (got[0] === id) return got[1];
    if (got[1] >= 0) h.lib.close(got[1]);
  }
}

function handoffChannel(): { fd: number; lib: FdPass } | undefined {
  const raw = process.env["MODELSMITH_RUNNER_HANDOFF_FD"];
  const lib = fdpass();
  if (raw === undefined || !/^\d+$/.test(raw) || !lib) return undefined;
  return { fd: Number(raw), lib };
}

/**
 * One streamed request the server may hand over: its first pieces go to the
 * server (`held` answers false), the later ones are held until `go` (`take`:
 * then written to the connection as HTTP chunks) or `nogo` (`release`: sent
 * to the server after all).
 */
class DirectStream {
  private state: "first" | "asked" | "direct" = "first";
  private pending: string[] = [];
  private connection: Socket | undefined;
  /** Settles when the last write is in the kernel or failed (writes complete in order). */
  private written: Promise<void> = Promise.resolve();

  /** The kernel did not take all that was written: a death now could leave a chunk cut short (the server then closes the connection). */
  private backlogged = false;

  constructor(
    private readonly pieceFrame: PieceFrame,
    /** Told when the connection backs up and when it has drained (the server's `backlog`). */
    private readonly onBacklog: (on: boolean) => void,
  ) {}

  /** `pieces` are this request's next: whether they go to the server (false: held, or written to the connection). */
  held(pieces: string[]): boolean {
    if (this.state === "first") {
      this.state = "asked";
      return true;
    }
    if (this.state === "asked") this.pending.push(...pieces);
    else this.write(pieces);
    return false;
  }

  /** The connection came (`fd`): the held pieces, and every later one, are written to it. False when it cannot be used. */
  take(fd: number): boolean {
    if (this.state !== "asked" || fd < 0) return false;
    try {
      // Writable only: the server's HTTP parser reads this connection (the client's next request), never this process.
      this.connection = new Socket({ fd, readable: false, writable: true });
    } catch {
      return false;
    }
    // The client went away: the server hears it too and cancels the request.
    this.connection.on("error", () => undefined);
    this.state = "direct";
    const held = this.pending;
    this.pending = [];
    this.write(held);
    return true;
  }

  /** The pieces held (none once handed over); from now on, the server gets them. */
  release(): string[] {
    const held = this.state === "asked" ? this.pending : [];
    this.pending = [];
    this.state = "first";
    return held;
  }

  private write(pieces: string[]): void {
    const c = this.connection;
    if (!c || c.destroyed || pieces.length === 0) return;
    const now = new Date().toISOString();
    let payload = "";
    for (const p of pieces) payload += renderPiece(this.pieceFrame, p, now);
    if (payload === "") return;
    this.written = new Promise((resolve) =>
      c.write(httpChunk(payload), () => {
        if (this.backlogged && c.writableLength === 0) {
          this.backlogged = false;
          this.onBacklog(false);
        }
        resolve();
      }),
    );
    if (!this.backlogged && c.writableLength > 0) {
      this.backlogged = true;
      this.onBacklog(true);
    }
  }

  /** Once everything written is in the kernel (or the client is gone): this descriptor closed. Never shuts the connection down. */
  async close(): Promise<void> {
    const c = this.connection;
    if (!c) return;
    this.connection = undefined;
    if (!c.destroyed) await Promise.race([this.written, new Promise<void>((resolve) => c.once("close", () => resolve()))]);
    c.destroy();
  }
}

readMessages<ToRunner>(socket, (m) => void handle(m));
// The server is gone (exited, killed, or closed the socket), or never answered: nothing to serve.
socket.on("close", () => dieNow());
socket.on("error", () => undefined);
// And with the parent-death signal and a ppid poll, however the server dies (SIGKILL included).
dieWithParent(process.ppid);
// Ctrl-C in a terminal signals the whole process group: the server's grace logic decides when the runner ends.
process.on("SIGINT", () => undefined);
