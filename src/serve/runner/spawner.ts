/**
 * Starting runner processes from a thread whose priority stays at nice 0.
 *
 * `serve` can lower its event loop to nice 19 on a CPU (lowerEventLoopPriority
 * in src/runtime/open-model.ts; MODELSMITH_SERVE_LOWER_LOOP=1, off by default
 * since it measured slower through runners, see docs/decisions.md): the loop
 * wakes for every token, just as the next decode starts its compute thread. Linux keeps nice per thread, a forked
 * process starts with the nice of the thread that forked it, and an
 * unprivileged process can never raise it back: a runner forked by the lowered
 * event loop would decode at nice 19 against everything else on the machine.
 * So the runners are started by the spawner thread (spawner-thread.ts), a
 * worker_thread started before the event loop lowers itself, and their
 * messages come over a socket of their own (a Unix socket in a private
 * directory, a named pipe on Windows) straight to the event loop: the spawner
 * thread wakes only to start a process and to pass on its stderr and its exit.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { Worker } from "node:worker_threads";
import { onInterruptCleanup } from "../../fsutil/interrupt-cleanup.js";

/** `fds`: descriptors of this process the child gets as its descriptors 3, 4, ... (a runner's handoff channel). */
export type ToSpawner = { t: "spawn"; id: number; command: string; args: string[]; env: NodeJS.ProcessEnv; fds: number[] };

export type FromSpawner =
  | { t: "spawned"; id: number; pid: number }
  | { t: "stderr"; id: number; chunk: Uint8Array }
  | { t: "failed"; id: number; message: string }
  | { t: "exit"; id: number; code: number | null; signal: NodeJS.Signals | null };

/** What the spawner thread reports of one process, in order: onSpawn (or onFailed), onStderr chunks, then onExit once. */
export interface SpawnEvents {
  onSpawn(pid: number): void;
  onStderr(chunk: Buffer): void;
  onFailed(message: string): void;
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
}

let thread: Worker | undefined;
const watching = new Map<number, SpawnEvents>();
let nextId = 1;

function spawner(): Worker {
  if (thread) return thread;
  const worker = new Worker(new URL("./spawner-thread.js", import.meta.url));
  worker.on("message", (m: FromSpawner) => {
    const events = watching.get(m.id);
    if (!events) return;
    switch (m.t) {
      case "spawned":
        return events.onSpawn(m.pid);
      case "stderr":
        return events.onStderr(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength));
      case "failed":
        return events.onFailed(m.message);
      case "exit":
        watching.delete(m.id);
        if (watching.size === 0) worker.unref();
        return events.onExit(m.code, m.signal);
    }
  });
  const lost = (why: string) => {
    if (thread === worker) thread = undefined;
    // Its runners die with it (their parent-death signal follows the thread that started them).
    for (const [id, events] of watching) {
      watching.delete(id);
      events.onFailed(why);
      events.onExit(null, "SIGKILL");
    }
  };
  worker.on("error", (err) => lost(`the runner spawner thread failed: ${err.message}`));
  worker.on("exit", () => lost("the runner spawner thread ended"));
  // It keeps the process alive while a process it started lives (as a ChildProcess does), no longer; after the listeners, which ref it again.
  worker.unref();
  thread = worker;
  return worker;
}

/**
 * Starts the spawner thread, if it is not running: call it before this
 * thread lowers its priority, so that runners start at the priority the
 * process started with.
 */
export function startSpawner(): void {
  spawner();
}

/**
 * Starts `command` from the spawner thread (stdin and stdout ignored, stderr
 * reported, `fds` as its descriptors 3, 4, ...: descriptors are the process's,
 * whichever thread opened them); `events` hears of it. The caller may close
 * its `fds` once onSpawn or onFailed is told.
 */
export function spawnFromThread(command: string, args: string[], env: NodeJS.ProcessEnv, events: SpawnEvents, fds: number[] = []): void {
  const id = nextId++;
  const worker = spawner();
  watching.set(id, events);
  worker.ref();
  worker.postMessage({ t: "spawn", id, command, args, env, fds } satisfies ToSpawner);
}

let socketDir: string | undefined;

/** A private directory (mode 0700, as mkdtemp makes it) for this process's runner sockets, removed when it exits. */
function sockets(): string {
  if (socketDir) return socketDir;
  const dir = mkdtempSync(path.join(tmpdir(), "modelsmith-runners-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.once("exit", remove);
  onInterruptCleanup(remove);
  socketDir = dir;
  return dir;
}

/** A listening endpoint for one runner: its address (for the runner's environment) and its one connection. */
export interface RunnerEndpoint {
  address: string;
  /** The runner's connection: the endpoint stops listening once it has it. */
  connected: Promise<Socket>;
  /** Stops listening (the runner died before it connected, or it connected). */
  close(): void;
}

/** Listens for one runner's connection: a Unix socket in a private directory (a named pipe on Windows). */
export async function listenForRunner(): Promise<RunnerEndpoint> {
  const name = `r-${randomBytes(8).toString("hex")}`;
  const address = process.platform === "win32" ? `\\\\?\\pipe\\modelsmith-${process.pid}-${name}` : path.join(sockets(), `${name}.sock`);
  const server: Server = createServer();
  server.maxConnections = 1;
  const connected = new Promise<Socket>((resolve) =>
    server.once("connection", (socket) => {
      server.close();
      resolve(socket);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return { address, connected, close: () => server.close() };
}
