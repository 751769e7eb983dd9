#!/usr/bin/env node
// Entry point installed as `modelsmith`. The TypeScript sources compile to dist/ on `npm ci` (prepare).
//
// CommonJS on purpose (bin/package.json): an ES module entry is read through
// libuv's thread pool, which starts it with its default four threads before
// the first line runs. Loaded as CommonJS, this file runs first, and the pool
// starts with one thread. llama.cpp's decode and sampling run on that pool;
// each decode starts its extra compute threads afresh, and threads of the pool
// that have just sampled make the kernel put them on a busy core: on 2 cores a
// batch of four tokens took 42-49 ms with four pool threads, 21 ms with one
// (llama.cpp's own batched-bench: 21 ms). A UV_THREADPOOL_SIZE the user set is
// kept. See docs/decisions.md, "Threads".
"use strict";
if (process.env.UV_THREADPOOL_SIZE === undefined) process.env.UV_THREADPOOL_SIZE = "1";
import("../dist/src/cli/main.js").then(
  async ({ main }) => {
    process.exitCode = await main(process.argv.slice(2));
  },
  (err) => {
    process.stderr.write(`modelsmith: cannot load its compiled code (run \`npm ci\`, or \`npm run build\`): ${err && err.message ? err.message : err}\n`);
    process.exitCode = 4;
  },
);
