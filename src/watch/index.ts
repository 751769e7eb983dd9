/** `modelsmith watch`: rebuild and re-test on change (chokidar), and hot-reload a running server. */
export { watchProject, relevant, type ProjectWatcher, type WatchOptions } from "./watch.js";
