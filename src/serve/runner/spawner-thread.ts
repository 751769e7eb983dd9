/**
 * The spawner thread (a worker_thread started by spawner.ts before the
 * server's event loop lowers its priority): it starts the runner processes, so
 * that they inherit this thread's nice value (0), not the lowered one of the
 * event loop (Linux keeps nice per thread, and a forked process copies the
 * forking thread's). It only starts processes and reports their stderr and
 * exit: the runners' messages go over their own sockets to the main thread,
 * so this thread never wakes per token. See docs/decisions.md, "serve's event
 * loop at nice 19 beside its runners".
 */
import { spawn, type ChildProcess } from "node:child_process";
import { parentPort } from "node:worker_threads";
import type { FromSpawner, ToSpawner } from "./spawner.js";

const port = parentPort!;
const children = new Map<number, ChildProcess>();
const post = (m: FromSpawner) => port.postMessage(m);

port.on("message", (m: ToSpawner) => {
  if (m.t !== "spawn") return;
  const { id } = m;
  let child: ChildProcess;
  try {
    child = spawn(m.command, m.args, { stdio: ["ignore", "ignore", "pipe", ...m.fds], env: m.env });
  } catch (err) {
    post({ t: "failed", id, message: err instanceof Error ? err.message : String(err) });
    return;
  }
  children.set(id, child);
  child.once("spawn", () => post({ t: "spawned", id, pid: child.pid! }));
  child.stderr!.on("data", (chunk: Buffer) => post({ t: "stderr", id, chunk }));
  child.once("error", (err) => post({ t: "failed", id, message: err.message }));
  // "close", not "exit": the runner's last stderr lines (llama.cpp's GGML_ASSERT) have been posted by then.
  child.once("close", (code, signal) => {
    children.delete(id);
    post({ t: "exit", id, code, signal });
  });
});
