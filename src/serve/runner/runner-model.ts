import type { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import type { EmbedOptions, EmbedResult, GenerateRequest, GenerateResult, OpenModelSettings, RuntimeModel, StreamHandoff } from "../../runtime/index.js";
import { lowerEventLoopPriority } from "../../runtime/open-model.js";
import { trackChild } from "../../fsutil/interrupt-cleanup.js";
import { findOnPath } from "../../quantize/binary.js";
import { HttpError } from "../http.js";
import { frame, fromWire, readMessages, type FromRunner, type ToRunner } from "./protocol.js";
import { listenForRunner, spawnFromThread } from "./spawner.js";
import { fdpass } from "./fdpass.js";

/** A runner with no message for this long while it has requests is hung: killed (MODELSMITH_RUNNER_HANG_MS overrides). */
export const DEFAULT_HANG_MS = 10 * 60_000;

export interface RunnerSettings {
  /** No message from a busy runner for this long: it is killed and its requests fail. */
  hangMs?: number;
  /** Told once the runner is gone (crashed, killed, or closed): the pool forgets the model. */
  onExit?: (reason: string) => void;
  /** Told the runner's pid as soon as it is started (before the model is loaded). */
  onStart?: (pid: number) => void;
}

/** A model served by a runner process: the RuntimeModel contract, plus the runner's pid and a way to learn of its death. */
export interface RunnerModel extends RuntimeModel {
  readonly pid: number;
  /** Whether the runner process is gone. */
  readonly exited: boolean;
  /** Whether the runner decodes and samples on its own JavaScript thread (openModel's decodeOnThread; docs/decisions.md, "Decodes on the runner's own thread"). */
  readonly decodesOnThread: boolean;
  /** `fn` runs once when the runner process is gone, for whatever reason. */
  onExit(fn: (reason: string) => void): void;
  /** Streamed answers whose later pieces the runner wrote to the client itself (protocol.ts, the handoff). */
  readonly directStreams: number;
}

interface Waiter {
  resolve(v: GenerateResult | EmbedResult): void;
  reject(err: Error): void;
  onToken?: (text: string) => void;
  /** A streamed answer whose connection the runner may take over: offered once, after its first pieces. */
  handoff?: StreamHandoff;
  offered?: boolean;
  /** The runner was told `go`: it holds the client's connection until its `done`. */
  handed?: boolean;
  /** The runner said the connection backed up (`backlog`): were it to die now, its last chunk could be cut short. */
  backlogged?: boolean;
}

const CHILD = fileURLToPath(new URL("./child.js", import.meta.url));
/** The last lines the runner wrote to stderr, for the error when it dies (llama.cpp's GGML_ASSERT line is there). */
const STDERR_KEEP = 8192;

/**
 * Ollama's runner model (llm/server.go): the model is loaded in a child process
 * (child.ts, started by the spawner thread so that it keeps the process's
 * starting priority, and connected to this thread over its own socket:
 * spawner.ts) and this process holds no llama.cpp context. A runner
 * that dies (abort, segfault, OOM kill) or hangs fails its requests only, with
 * Ollama's "llama runner process has terminated: ..." (a 500), and is
 * forgotten by the pool (`onExit`); the next request starts a new one.
 */
export async function openInRunner(storeRoot: string, name: string, options: OpenModelSettings = {}, settings: RunnerSettings = {}): Promise<RunnerModel> {
  const hangMs = settings.hangMs ?? (Number(process.env["MODELSMITH_RUNNER_HANG_MS"]) || DEFAULT_HANG_MS);
  // Under Linux, setpriv --pdeathsig KILL (as for llama-quantize): the kernel kills the runner when the server dies.
  const setpriv = process.platform === "linux" ? findOnPath("setpriv") : undefined;
  const node = [process.execPath, ...process.execArgv, CHILD];
  const [command, ...args] = setpriv ? [setpriv, "--pdeathsig", "KILL", "--", ...node] : node;
  const endpoint = await listenForRunner();
  // The handoff channel (fdpass.ts): this end stays here, the other becomes the runner's descriptor 3 and is closed here once it is started.
  const fp = fdpass();
  const channel = fp?.pair();
  let runnerEnd = channel?.[1];
  const closeRunnerEnd = () => {
    if (runnerEnd !== undefined) fp!.close(runnerEnd);
    runnerEnd = undefined;
  };
  let pid: number | undefined;
  let socket: Socket | undefined;
  let stderr = "";
  const waiters = new Map<number, Waiter>();
  let nextId = 1;
  let exited = false;
  let exitStatus: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
  let closing = false;
  let lastHeard = Date.now();
  let directStreams = 0;
  const exitListeners: Array<(reason: string) => void> = [];
  if (settings.onExit) exitListeners.push(settings.onExit);
  const send = (m: ToRunner) => {
    if (!exited && socket && !socket.destroyed) socket.write(frame(m));
  };
  /** Signals the runner (from this thread: a pid is the process's, whichever thread started it); never once it is gone. */
  const kill = (signal: NodeJS.Signals) => {
    if (exited || pid === undefined) return false;
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  };
  const untrack = trackChild({
    get pid() {
      return pid;
    },
    kill: (signal) => kill((signal as NodeJS.Signals | undefined) ?? "SIGTERM"),
  });

  let opened: (m: RunnerModel) => void;
  let openFailed: (err: Error) => void;
  const ready = new Promise<RunnerModel>((resolve, reject) => {
    opened = resolve;
    openFailed = reject;
  });
  let hung = false;
  const watchdog = setInterval(() => {
    if (waiters.size > 0 && Date.now() - lastHeard > hangMs) {
      hung = true;
      kill("SIGKILL");
    }
  }, Math.min(1000, Math.max(50, hangMs / 4)));
  watchdog.unref();

  // The runner is started by the spawner thread (at the priority the process started with), and connects to `endpoint`.
  const handoffEnv = channel ? { MODELSMITH_RUNNER_HANDOFF_FD: "3" } : {};
  spawnFromThread(command!, args, { ...process.env, MODELSMITH_RUNNER_SOCKET: endpoint.address, ...handoffEnv }, {
    onSpawn: (p) => {
      closeRunnerEnd();
      pid = p;
      settings.onStart?.(p);
    },
    onStderr: (chunk) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_KEEP);
      // What the runner writes (warnings, llama.cpp's last words) reaches the server's stderr, as Ollama's runner logs do.
      process.stderr.write(chunk);
    },
    // A failed spawn (no node binary, no setpriv): the load fails; "exit" follows.
    onFailed: (message) => {
      closeRunnerEnd();
      openFailed(new Error(`cannot start a runner process: ${message}`));
    },
    onExit: (code, signal) => {
      closeRunnerEnd();
      exitStatus = { code, signal };
      endpoint.close();
      // Its last messages may still be on the socket: the runner is gone once both the process and its socket are.
      if (socket && !socket.destroyed) socket.once("close", gone);
      else gone();
    },
  }, channel ? [channel[1]] : []);
  let finished = false;
  function gone(): void {
    if (finished) return;
    finished = true;
    exited = true;
    clearInterval(watchdog);
    untrack();
    const reason = terminated(exitStatus.code, exitStatus.signal, stderr, hung ? hangMs : undefined);
    const err = new HttpError(500, reason);
    openFailed(err);
    if (channel) fp!.close(channel[0]);
    for (const w of waiters.values()) {
      // It died holding a client's connection, backed up: what it wrote may end mid-chunk, so no error line can follow.
      if (w.handed && w.backlogged) w.handoff?.lost();
      w.reject(err);
    }
    waiters.clear();
    for (const fn of exitListeners.splice(0)) fn(closing ? "closed" : reason);
  }

  void endpoint.connected.then((s) => {
    socket = s;
    // A socket error (the runner died mid-write) ends in "close"; the process's exit decides.
    s.on("error", () => undefined);
    readMessages<FromRunner>(s, onMessage);
    const { onWarning, ...plain } = options;
    send({ t: "open", root: storeRoot, name, options: plain as Record<string, unknown>, warnings: onWarning !== undefined, aliveMs: Math.max(10, Math.min(1000, Math.floor(hangMs / 4))) });
  });

  function onMessage(m: FromRunner): void {
    lastHeard = Date.now();
    switch (m.t) {
      case "ready": {
        // The runner's event loop went to nice 19. This one, which wakes for each of its tokens, stays at its priority: measured idle, lowering it
        // too cost one stream 40% (docs/decisions.md). MODELSMITH_SERVE_LOWER_LOOP=1 lowers it (the spawner thread keeps nice 0 for the next runners).
        if (m.lowered && process.env["MODELSMITH_SERVE_LOWER_LOOP"] === "1") lowerEventLoopPriority();
        const model: RunnerModel = {
          name: m.name,
          manifestDigest: m.manifestDigest,
          backend: m.backend,
          ...(m.footprint ? { footprint: m.footprint } : {}),
          pid: pid!,
          decodesOnThread: m.onThread === true,
          get directStreams() {
            return directStreams;
          },
          get exited() {
            return exited;
          },
          onExit: (fn) => {
            if (exited) fn("exited");
            else exitListeners.push(fn);
          },
          generate: (req) => generate(req),
          ...(m.embeds ? { embed: (inputs: readonly string[], o?: EmbedOptions) => call<EmbedResult>({ t: "embed", id: 0, inputs: [...inputs], options: o ?? {} }) } : {}),
          close: () => close(),
        };
        opened(model);
        return;
      }
      case "warn":
        options.onWarning?.(m.diagnostic);
        return;
      case "openFailed":
        openFailed(fromWire(m.error));
        closing = true;
        kill("SIGKILL");
        return;
      case "tok": {
        const w = waiters.get(m.id);
        if (w?.onToken) for (const p of m.p) w.onToken(p);
        if (w?.handoff && !w.offered) offer(m.id, w);
        return;
      }
      case "alive":
        return;
      case "backlog": {
        const w = waiters.get(m.id);
        if (w) w.backlogged = m.on;
        return;
      }
      case "done":
        if (m.direct) directStreams++;
        waiters.get(m.id)?.resolve(m.result);
        waiters.delete(m.id);
        return;
      case "error":
        waiters.get(m.id)?.reject(fromWire(m.error));
        waiters.delete(m.id);
    }
  }

  /**
   * The first pieces of a request that may be handed over are written: once
   * they are in the kernel, its connection goes over the handoff channel and
   * the runner hears `go`; else `nogo`.
   */
  function offer(id: number, w: Waiter): void {
    w.offered = true;
    void w.handoff!.take().then(
      (fd) => {
        // Answered already (it held its pieces and sent them with its `done`), or gone: it expects nothing.
        if (waiters.get(id) !== w || exited) return;
        if (fd !== undefined && channel && fp!.send(channel[0], id, fd)) {
          w.handed = true;
          send({ t: "go", id });
        } else send({ t: "nogo", id });
      },
      () => send({ t: "nogo", id }),
    );
  }

  function call<T extends GenerateResult | EmbedResult>(m: Extract<ToRunner, { id: number }>, onToken?: (text: string) => void, handoff?: StreamHandoff): Promise<T> {
    if (exited) return Promise.reject(new HttpError(500, terminated(exitStatus.code, exitStatus.signal, stderr, undefined)));
    const id = nextId++;
    if (waiters.size === 0) lastHeard = Date.now();
    return new Promise<T>((resolve, reject) => {
      waiters.set(id, { resolve: resolve as (v: GenerateResult | EmbedResult) => void, reject, ...(onToken ? { onToken } : {}), ...(handoff ? { handoff } : {}) });
      send({ ...m, id });
    });
  }

  function generate(req: GenerateRequest): Promise<GenerateResult> {
    const { signal, onToken, handoff, ...wire } = req;
    const id = nextId;
    const cancel = () => send({ t: "cancel", id });
    if (signal?.aborted) return Promise.resolve(abortedResult());
    signal?.addEventListener("abort", cancel, { once: true });
    // Offered only with a handoff channel, for a streamed answer.
    const direct = channel && onToken && handoff ? handoff : undefined;
    const gen: ToRunner = { t: "gen", id: 0, req: wire, stream: onToken !== undefined, ...(direct ? { direct: direct.frame } : {}) };
    return call<GenerateResult>(gen as Extract<ToRunner, { id: number }>, onToken, direct).finally(() => signal?.removeEventListener("abort", cancel));
  }

  async function close(): Promise<void> {
    if (exited) return;
    closing = true;
    const done = new Promise<void>((resolve) => exitListeners.push(() => resolve()));
    send({ t: "close" });
    // The runner closes its model and ends itself; one that does not within 5 s is killed.
    const timer = setTimeout(() => kill("SIGKILL"), 5000);
    await done;
    clearTimeout(timer);
  }

  return ready;
}

/** An already-aborted request: nothing generated, as the in-process runtime answers one. */
function abortedResult(): GenerateResult {
  return { text: "", finishReason: "abort", promptTokens: 0, completionTokens: 0, timings: { loadNs: 0, promptEvalNs: 0, evalNs: 0, totalNs: 0 } };
}

/**
 * Ollama's wording (llm/server.go: "llama runner process has terminated: %v",
 * the wait error, or the runner's last error line when it wrote one), e.g.
 * "llama runner process has terminated: signal: aborted (core dumped)" then llama.cpp's GGML_ASSERT line.
 */
export function terminated(code: number | null, signal: NodeJS.Signals | null, stderr: string, hungMs: number | undefined): string {
  const how = hungMs !== undefined ? `no progress for ${hungMs} ms, killed` : signal ? `signal: ${SIGNAL_WORDS[signal] ?? signal}` : `exit status ${code ?? "unknown"}`;
  const last = lastErrorLine(stderr);
  return `llama runner process has terminated: ${how}${last ? `: ${last}` : ""}`;
}

/** Go's os.ProcessState wording for the signals a runner dies of. */
const SIGNAL_WORDS: Partial<Record<NodeJS.Signals, string>> = { SIGABRT: "aborted", SIGKILL: "killed", SIGSEGV: "segmentation fault", SIGTERM: "terminated", SIGBUS: "bus error" };

/** The runner's last line naming an error (llama.cpp's "GGML_ASSERT(...) failed", "error: ..."), as Ollama's StatusWriter keeps it. */
function lastErrorLine(stderr: string): string | undefined {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) if (/error|GGML_ASSERT|failed|abort/i.test(lines[i]!)) return lines[i]!.slice(0, 500);
  return undefined;
}
