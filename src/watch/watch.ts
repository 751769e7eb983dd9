import { watch as chokidarWatch, type FSWatcher } from "chokidar";
import path from "node:path";

export interface WatchOptions {
  /** The project directory, watched with everything under it. */
  root: string;
  /** Paths never watched (the store, when it lives in the project). */
  ignore?: readonly string[];
  /** Quiet time after the last change before a cycle starts. */
  debounceMs?: number;
  /** One build-and-test cycle; changes during it queue one more cycle after it. */
  cycle: (changed: readonly string[]) => Promise<void>;
}

export interface ProjectWatcher {
  /** Resolves once the watcher has read the tree and the first cycle is done. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Files whose change can change a build or a test: the project's, Modelfiles, weights, schemas, test and compare texts, CSV cases and javascript assertion scripts. */
export function relevant(file: string): boolean {
  const base = path.basename(file);
  if (base === "models.lock") return false;
  return /modelfile/i.test(base) || /\.(ya?ml|json|gguf|bin|safetensors|txt|md|csv|js|cjs|mjs)$/i.test(base);
}

/**
 * Watches `root` (node_modules, dot-directories and `ignore` left out) and
 * runs `cycle` once at the start and again after each burst of changes to a
 * relevant file: never two cycles at once, and a change during a cycle runs
 * one more after it. Files being written are waited for (size stable for
 * 300 ms), so a half-copied GGUF does not start a build.
 */
export function watchProject(o: WatchOptions): ProjectWatcher {
  const ignore = (o.ignore ?? []).map((p) => path.resolve(p));
  const isIgnored = (p: string) => {
    const rel = path.relative(o.root, p);
    if (rel === "") return false;
    if (rel.split(path.sep).some((seg) => seg === "node_modules" || (seg.startsWith(".") && seg !== "." && seg !== ".."))) return true;
    return ignore.some((i) => p === i || p.startsWith(i + path.sep));
  };
  const watcher: FSWatcher = chokidarWatch(o.root, { ignored: isIgnored, ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 300, pollInterval: 50 } });
  let pending = new Set<string>();
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const run = async (): Promise<void> => {
    while (!closed) {
      const changed = [...pending];
      pending = new Set();
      await o.cycle(changed);
      if (pending.size === 0) break;
    }
    running = undefined;
  };
  const kick = () => {
    timer = undefined;
    if (running || closed) return;
    running = run();
  };
  const onChange = (file: string) => {
    if (closed || !relevant(file)) return;
    pending.add(path.relative(o.root, file) || file);
    if (timer) clearTimeout(timer);
    if (!running) timer = setTimeout(kick, o.debounceMs ?? 150);
  };
  watcher.on("add", onChange).on("change", onChange).on("unlink", onChange);
  const ready = new Promise<void>((resolve, reject) => {
    watcher.once("ready", () => {
      running = run();
      running.then(resolve, reject);
    });
    watcher.once("error", reject);
  });
  return {
    ready,
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      await watcher.close();
      await running;
    },
  };
}
