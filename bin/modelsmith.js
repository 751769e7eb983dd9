#!/usr/bin/env node
// Entry point installed as `modelsmith`. The TypeScript sources compile to dist/ on `npm ci` (prepare).
import { main } from "../dist/src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
