/**
 * A node:test reporter that prints how long each test file took, slowest
 * first: the file's own run (its process, imports, hooks and tests), as
 * node --test measures it, and the sum of its top-level tests. Used by
 * `npm run test:times`; add it beside another reporter with
 * `--test-reporter=./dist/tools/file-times-reporter.js --test-reporter-destination=FILE`.
 */
import path from "node:path";

interface FileTime {
  file: string;
  ms: number;
  tests: number;
  testMs: number;
  failed: boolean;
}

interface TestEvent {
  type: string;
  data?: { file?: string; name?: string; nesting?: number; details?: { duration_ms?: number; passed?: boolean } };
}

export default async function* fileTimes(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const files = new Map<string, FileTime>();
  const entry = (file: string) => {
    let f = files.get(file);
    if (!f) files.set(file, (f = { file, ms: 0, tests: 0, testMs: 0, failed: false }));
    return f;
  };
  for await (const ev of source) {
    const d = ev.data;
    if (!d?.file) continue;
    // Each file runs in its own process, reported as a test named after the file
    // (test:complete once it ends; test:pass or test:fail instead when it has no tests).
    if (d.name === d.file) {
      if (ev.type !== "test:complete" && ev.type !== "test:pass" && ev.type !== "test:fail") continue;
      const f = entry(d.file);
      f.ms = d.details?.duration_ms ?? 0;
      if (ev.type === "test:fail" || d.details?.passed === false) f.failed = true;
    } else if (d.nesting === 0 && (ev.type === "test:pass" || ev.type === "test:fail")) {
      const f = entry(d.file);
      f.tests++;
      f.testMs += d.details?.duration_ms ?? 0;
      if (ev.type === "test:fail") f.failed = true;
    }
  }
  const rows = [...files.values()].sort((a, b) => b.ms - a.ms);
  const total = rows.reduce((s, r) => s + r.ms, 0);
  yield `${"file s".padStart(8)} ${"tests s".padStart(8)} ${"tests".padStart(5)}  file\n`;
  for (const r of rows) {
    yield `${(r.ms / 1000).toFixed(1).padStart(8)} ${(r.testMs / 1000).toFixed(1).padStart(8)} ${String(r.tests).padStart(5)}  ${r.failed ? "FAILED " : ""}${path.relative(process.cwd(), r.file)}\n`;
  }
  yield `${(total / 1000).toFixed(1).padStart(8)} in ${rows.length} files (sum of the files' own times; the run's wall time is less with --test-concurrency)\n`;
}
