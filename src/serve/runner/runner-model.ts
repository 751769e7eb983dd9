import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { EmbedOptions, EmbedResult, GenerateRequest, GenerateResult, OpenModelSettings, RuntimeModel } from "../../runtime/index.js";
import { trackChild } from "../../fsutil/interrupt-cleanup.js";
import { findOnPath } from "../../quantize/binary.js";
import { HttpError } from "../http.js";
import { fromWire, type FromRunner, type ToRunner } from "./protocol.js";

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
  /** `fn` runs once when the runner process is gone, for whatever reason. */
  onExit(fn: (reason: string) => void): void;
}

interface Waiter {
  resolve(v: GenerateResult | EmbedResult): void;
  reject(err: Error): void;
  onToken?: (text: string) => void;
}

const CHILD = fileURLToPath(new URL("./child.js", import.meta.url));
/** The last lines the runner wrote to stderr, for the error when it dies (llama.cpp's GGML_ASSERT line is there). */
const STDERR_KEEP = 8192;

/**
 * Ollama's runner model (llm/server.go): the model is loaded in a child process
 * (`fork` of child.ts) and this process holds no llama.cpp context. A runner
 * that dies (abort, segfault, OOM kill) or hangs fails its requests only, with
 * Ollama's "llama runner process has terminated: ..." (a 500), and is
 * forgotten by the pool (`onExit`); the next request starts a new one.
 */
export function openInRunner(storeRoot: string, name: string, options: OpenModelSettings = {}, settings: RunnerSettings = {}): Promise<RunnerModel> {
  const hangMs = settings.hangMs ?? (Number(process.env["MODELSMITH_RUNNER_HANG_MS"]) || DEFAULT_HANG_MS);
  // Under Linux, setpriv --pdeathsig KILL (as for llama-quantize): the kernel kills the runner when the server dies.
  const setpriv = process.platform === "linux" ? findOnPath("setpriv") : undefined;
  const child: ChildProcess = fork(CHILD, [], {
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    serialization: "json",
    ...(setpriv ? { execPath: setpriv, execArgv: ["--pdeathsig", "KILL", "--", process.execPath, ...process.execArgv] } : {}),
  });
  const untrack = trackChild(child);
  if (child.pid !== undefined) settings.onStart?.(child.pid);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_KEEP);
    // What the runner writes (warnings, llama.cpp's last words) reaches the server's stderr, as Ollama's runner logs do.
    process.stderr.write(chunk);
  });
  const waiters = new Map<number, Waiter>();
  let nextId = 1;
  let exited = false;
  let closing = false;
  let lastHeard = Date.now();
  const exitListeners: Array<(reason: string) => void> = [];
  if (settings.onExit) exitListeners.push(settings.onExit);
  const send = (m: ToRunner) => {
    if (!exited && child.connected) child.send(m);
  };

  let opened: (m: RunnerModel) => void;
  let openFailed: (err: Error) => void;
  const ready = new Promise<RunnerModel>((resolve, reject) => {
    opened = resolve;
    openFailed = reject;
  });

  const watchdog = setInterval(() => {
    if (waiters.size > 0 && Date.now() - lastHeard > hangMs) {
      hung = true;
      child.kill("SIGKILL");
    }
  }, Math.min(1000, Math.max(50, hangMs / 4)));
  watchdog.unref();
  let hung = false;

  child.on("message", (m: FromRunner) => {
    lastHeard = Date.now();
    switch (m.t) {
      case "ready": {
        const model: RunnerModel = {
          name: m.name,
          manifestDigest: m.manifestDigest,
          backend: m.backend,
          ...(m.footprint ? { footprint: m.footprint } : {}),
          pid: child.pid!,
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
        child.kill("SIGKILL");
        return;
      case "tok": {
        const w = waiters.get(m.id);
        if (w?.onToken) for (const p of m.p) w.onToken(p);
        return;
      }
      case "done":
        waiters.get(m.id)?.resolve(m.result);
        waiters.delete(m.id);
        return;
      case "error":
        waiters.get(m.id)?.reject(fromWire(m.error));
        waiters.delete(m.id);
    }
  });

  child.on("exit", (code, signal) => {
    exited = true;
    clearInterval(watchdog);
    untrack();
    const reason = terminated(code, signal, stderr, hung ? hangMs : undefined);
    const err = new HttpError(500, reason);
    openFailed(err);
    for (const w of waiters.values()) w.reject(err);
    waiters.clear();
    for (const fn of exitListeners.splice(0)) fn(closing ? "closed" : reason);
  });
  // A failed spawn (no node binary) ends in "exit" too, or only in "error": fail the load either way.
  child.on("error", (err) => openFailed(err));

  function call<T extends GenerateResult | EmbedResult>(m: Extract<ToRunner, { id: number }>, onToken?: (text: string) => void): Promise<T> {
    if (exited) return Promise.reject(new HttpError(500, terminated(child.exitCode, child.signalCode, stderr, undefined)));
    const id = nextId++;
    if (waiters.size === 0) lastHeard = Date.now();
    return new Promise<T>((resolve, reject) => {
      waiters.set(id, { resolve: resolve as (v: GenerateResult | EmbedResult) => void, reject, ...(onToken ? { onToken } : {}) });
      send({ ...m, id });
    });
  }

  function generate(req: GenerateRequest): Promise<GenerateResult> {
    const { signal, onToken, ...wire } = req;
    const id = nextId;
    const cancel = () => send({ t: "cancel", id });
    if (signal?.aborted) return Promise.resolve(abortedResult());
    signal?.addEventListener("abort", cancel, { once: true });
    return call<GenerateResult>({ t: "gen", id: 0, req: wire, stream: onToken !== undefined }, onToken).finally(() => signal?.removeEventListener("abort", cancel));
  }

  async function close(): Promise<void> {
    if (exited) return;
    closing = true;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    send({ t: "close" });
    // The runner closes its model and ends itself; one that does not within 5 s is killed.
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await gone;
    clearTimeout(timer);
  }

  const { onWarning, ...plain } = options;
  send({ t: "open", root: storeRoot, name, options: plain as Record<string, unknown>, warnings: onWarning !== undefined });
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
