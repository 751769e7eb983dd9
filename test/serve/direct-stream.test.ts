/**
 * A runner writes a streamed answer's later pieces to the client itself
 * (docs/decisions.md, "A runner writes its stream to the client itself"): the
 * bytes of a piece's chunk (frames.ts), the connection passed over a real
 * socketpair with SCM_RIGHTS (src/runtime/native/fdpass.c, as npm run build
 * compiles it) and written as HTTP/1.1 chunks (RFC 9112, 7.1) by
 * DirectStream, over real loopback TCP connections.
 */
import assert from "node:assert/strict";
import { createServer, connect, type Server, type Socket } from "node:net";
import { closeSync, openSync, readdirSync, readlinkSync } from "node:fs";
import { after, before, test } from "node:test";
import { ndjsonLine, sseEvent } from "../../src/serve/http.js";
import { httpChunk, NOW, PIECE, pieceFrame, renderPiece } from "../../src/serve/runner/frames.js";
import { fdpass, fdpassFile } from "../../src/serve/runner/fdpass.js";
import { DirectStream, takeConnection } from "../../src/serve/runner/direct-stream.js";

const HARD = ['', 'plain', 'quote " and \\ backslash', "new\nline\ttab", "\u2028\u2029", "\u0000\u0001", "é😀", "</script>", "\ud800"];

test("pieceFrame cuts the server's own chunk around the piece and the time: rendering any piece gives the server's bytes", () => {
  const base = { id: "cmpl-1", object: "text_completion", created: 1, model: "m", system_fingerprint: "fp_modelsmith" };
  const sse = (text: string) => sseEvent({ ...base, choices: [{ index: 0, text, finish_reason: null, logprobs: null }] });
  const frame = pieceFrame(sse, false)!;
  assert.ok(frame, "a frame for an SSE chunk");
  assert.deepEqual(frame.parts.filter((p) => typeof p !== "string"), [PIECE]);
  for (const piece of HARD) assert.equal(renderPiece(frame, piece, "2026-12-05T00:00:00.000Z"), sse(piece));

  const ollama = (response: string, at: string) => ndjsonLine({ model: "m", created_at: at, response, done: false });
  const timed = pieceFrame(ollama, true)!;
  assert.deepEqual(timed.parts.filter((p) => typeof p !== "string"), [NOW, PIECE]);
  for (const piece of HARD.slice(1)) assert.equal(renderPiece(timed, piece, "2026-12-05T01:02:03.456Z"), ollama(piece, "2026-12-05T01:02:03.456Z"));
  assert.equal(renderPiece(timed, "", "2026-12-05T01:02:03.456Z"), "", "an empty piece gives no chunk when the frame skips those");
});

test("pieceFrame gives nothing for a chunk that does not hold the piece as one JSON string (the server then writes every piece)", () => {
  assert.equal(pieceFrame((p) => ndjsonLine({ response: p.toUpperCase() }), false), undefined);
  assert.equal(pieceFrame(() => ndjsonLine({ response: "fixed" }), false), undefined);
  assert.equal(pieceFrame((p) => ndjsonLine({ response: p.slice(1) }), false), undefined);
});

test("httpChunk: the size in hex bytes (not characters), CRLF, the data, CRLF; nothing for nothing", () => {
  assert.equal(httpChunk("é😀"), "6\r\né😀\r\n");
  assert.equal(httpChunk("x".repeat(26)), "1a\r\n" + "x".repeat(26) + "\r\n");
  assert.equal(httpChunk(""), "");
});

const fp = fdpass();
const skip = !fp && `the connection passing module is not loaded (${fdpassFile()}: npm run build compiles it on Linux)`;

/** A loopback connection: the accepting side (whose descriptor is passed) and the client side, reading. */
let server: Server;
async function connection(): Promise<{ accepted: Socket; client: Socket; received: () => string }> {
  const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
  const client = connect((server.address() as { port: number }).port, "127.0.0.1");
  let text = "";
  client.setEncoding("utf8").on("data", (c: string) => (text += c));
  return { accepted: await accepted, client, received: () => text };
}
before(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});
after(() => server.close());

/** The descriptor of `s`, as handoffOf takes it. */
const fdOf = (s: Socket) => (s as unknown as { _handle: { fd: number } })._handle.fd;
/** `fd` passed through a fresh channel as the server passes a connection: the runner's own descriptor of it. */
function passed(fd: number, id = 7): number {
  const [mine, theirs] = fp!.pair();
  try {
    assert.equal(fp!.send(mine, id, fd), true);
    return takeConnection({ fd: theirs, lib: fp! }, id);
  } finally {
    fp!.close(mine);
    fp!.close(theirs);
  }
}
const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
};

test("DirectStream: the first pieces go to the server, later ones wait for the connection, then go out as chunks of the frame; closing keeps the connection", { skip }, async () => {
  const { accepted, client, received } = await connection();
  const frame = pieceFrame((p) => ndjsonLine({ response: p }), true)!;
  const d = new DirectStream(frame, () => assert.fail("no backlog on an idle loopback connection"));
  assert.equal(d.toServer(["first"]), true, "the first message's pieces go to the server");
  assert.equal(d.toServer(["a", "b"]), false, "held until go");
  const fd = passed(fdOf(accepted));
  assert.ok(fd >= 0 && fd !== fdOf(accepted), "a descriptor of its own");
  assert.match(readlinkSync(`/proc/self/fd/${fd}`), /^socket:\[\d+\]$/);
  assert.equal(readlinkSync(`/proc/self/fd/${fd}`), readlinkSync(`/proc/self/fd/${fdOf(accepted)}`), "the same connection");
  assert.equal(d.take(fd), true);
  assert.equal(d.toServer(["", "c"]), false, "written, not sent to the server");
  assert.equal(await d.close(), true);
  const expected = httpChunk('{"response":"a"}\n{"response":"b"}\n') + httpChunk('{"response":"c"}\n');
  await until(() => received() === expected, `the client got ${JSON.stringify(received())}`);
  // The runner's descriptor is closed, the connection is not: the server goes on writing on it.
  assert.throws(() => readlinkSync(`/proc/self/fd/${fd}`));
  accepted.write("after");
  await until(() => received() === `${expected}after`, "the connection still carries the server's bytes");
  client.destroy();
  accepted.destroy();
});

test("DirectStream without go (nogo): the held pieces are given back for the server, in order", () => {
  const d = new DirectStream(pieceFrame((p) => ndjsonLine({ response: p }), true)!, () => undefined);
  assert.equal(d.toServer(["first"]), true);
  assert.equal(d.toServer(["a"]), false);
  assert.equal(d.toServer(["b", "c"]), false);
  assert.equal(d.take(-1), false, "no descriptor came");
  assert.deepEqual(d.release(), ["a", "b", "c"]);
});

test("DirectStream: a client that stops reading backs the connection up (backlog on), reading again drains it (backlog off); every byte arrives", { skip, timeout: 60_000 }, async () => {
  const { accepted, client, received } = await connection();
  client.pause();
  const said: boolean[] = [];
  const d = new DirectStream(pieceFrame((p) => ndjsonLine({ p }), false)!, (on) => said.push(on));
  d.toServer(["first"]);
  assert.equal(d.take(passed(fdOf(accepted))), true);
  const piece = "x".repeat(256 * 1024);
  let sent = 0;
  // Loopback buffers hold some megabytes: write until the kernel takes less than a write.
  while (!said.includes(true) && sent < 4096) {
    d.toServer([piece]);
    sent++;
  }
  assert.deepEqual(said, [true], `backlog after ${sent} pieces of 256 KiB`);
  client.resume();
  const closed = await d.close();
  assert.equal(closed, true);
  assert.deepEqual(said, [true, false], "drained once the client read");
  const one = httpChunk(ndjsonLine({ p: piece }));
  await until(() => received().length === one.length * sent, `${received().length} of ${one.length * sent} bytes`);
  assert.equal(received(), one.repeat(sent));
  client.destroy();
  accepted.destroy();
});

test("takeConnection: the descriptor sent for the id asked; one sent for another id (a request that ended first) is closed; -1 when none waits", { skip }, async () => {
  const { accepted, client } = await connection();
  const [mine, theirs] = fp!.pair();
  try {
    assert.equal(takeConnection({ fd: theirs, lib: fp! }, 1), -1);
    const open = () => readdirSync("/proc/self/fd").length;
    const before = open();
    assert.equal(fp!.send(mine, 3, fdOf(accepted)), true);
    assert.equal(fp!.send(mine, 4, fdOf(accepted)), true);
    const fd = takeConnection({ fd: theirs, lib: fp! }, 4);
    assert.ok(fd >= 0);
    assert.equal(readlinkSync(`/proc/self/fd/${fd}`), readlinkSync(`/proc/self/fd/${fdOf(accepted)}`));
    assert.equal(open(), before + 1, "the id-3 descriptor, received first, was closed");
    fp!.close(fd);
    assert.equal(takeConnection({ fd: theirs, lib: fp! }, 4), -1, "nothing left on the channel");
    const file = openSync("/proc/self/stat", "r");
    assert.equal(takeConnection({ fd: file, lib: fp! }, 4), -1, "a descriptor that is no socket: none, no throw");
    closeSync(file);
  } finally {
    fp!.close(mine);
    fp!.close(theirs);
    client.destroy();
    accepted.destroy();
  }
});

test("the module refuses what is not an integer descriptor with a TypeError, and a send on a closed channel is false, not a throw", { skip }, () => {
  const lib = fp as unknown as Record<string, (...a: unknown[]) => unknown>;
  assert.throws(() => lib.send!(1, "2", 3), TypeError);
  assert.throws(() => lib.receive!(), TypeError);
  assert.throws(() => lib.close!(null), TypeError);
  const [mine, theirs] = fp!.pair();
  fp!.close(theirs);
  assert.equal(fp!.send(mine, 1, mine), false, "the other end is gone");
  fp!.close(mine);
});
