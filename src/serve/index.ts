/**
 * `modelsmith serve`: Ollama's and OpenAI's HTTP APIs over the built models
 * of the store, through the one runtime `run` and `test` use.
 */
export { startServer, type RunningServer, type ServeOptions } from "./server.js";
export { ModelHost, DEFAULT_KEEP_ALIVE_MS, type OpenServedModel } from "./model-host.js";
export { keepAliveMs, MAX_TIMER_MS } from "./keep-alive.js";
export { SERVE_CODES } from "./codes.js";
