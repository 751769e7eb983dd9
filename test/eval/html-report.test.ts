import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { compareHtml, grade, htmlReport, type CaseResult } from "../../src/eval/index.js";
import type { ModelComparison } from "../../src/eval/compare/compare-models.js";
import { decodePng, distinctColours } from "../helpers/png.js";
import { casesOf } from "./helpers.js";

/**
 * The HTML report in a real headless Chromium (Debian's, as CI installs it):
 * it renders with no console error, no script error and no request off the
 * page (it is self-contained), and its screenshots are not blank.
 */
const CHROMIUM = "/usr/bin/chromium";
const skip = existsSync(CHROMIUM) ? false : `chromium is not installed at ${CHROMIUM} (CI installs Debian's chromium)`;

/** Real cases graded on fixed outputs: one passes, one fails, one is an error; the page must list failures first. */
function results(): CaseResult[] {
  const cases = casesOf(`tests:
  - description: greets politely
    prompt: Say hello
    assert:
      - {type: icontains, value: hello}
  - description: answers in JSON
    prompt: "Give <name> as JSON & stop"
    assert:
      - {type: contains-json}
      - {type: levenshtein, value: "{\\"name\\": \\"Ada\\"}", threshold: 2}
  - description: never ran
    prompt: Write a novel
    assert:
      - {type: contains, value: chapter}
`);
  const run = (text: string) => ({ text, finishReason: "stop" as const, promptTokens: 3, completionTokens: 4, latencyMs: 12 });
  return [
    grade("fox:latest", cases[0]!, [run("Hello there!")], false, 30),
    grade("fox:latest", cases[1]!, [run("Sure: <b>name</b> is Ada")], false, 40),
    { case: cases[2]!, model: "fox:latest", status: "error", score: 0, passRate: 0, runs: [], cached: false, durationMs: 5, error: "MS6075: timed out after 5 s" },
  ];
}

const comparison: ModelComparison[] = [
  {
    model: "ladder",
    base: { from: "testmodel://random", digest: "sha256:00", size: 40e6 },
    text: { file: "compare.txt", tokens: 200, positions: 199 },
    variants: [
      { model: "ladder", tag: "q8_0", name: "ladder:q8_0", digest: "sha256:01", size: 21e6, cases: 4, passed: 4, passRate: 1, tokensPerSecond: 120, meanKl: 0.002, top1Agreement: 0.99 },
      { model: "ladder", tag: "q4_k_m", name: "ladder:q4_k_m", digest: "sha256:02", size: 12e6, cases: 4, passed: 3, passRate: 0.75, tokensPerSecond: 160, meanKl: 0.03, top1Agreement: 0.93 },
      { model: "ladder", tag: "q2_k", name: "ladder:q2_k", digest: "sha256:03", size: 8e6, cases: 4, passed: 1, passRate: 0.25, tokensPerSecond: 180, meanKl: 0.2, top1Agreement: 0.7 },
    ],
  },
];

let browser: Browser;
let dir: string;

interface Loaded {
  page: Page;
  problems: string[];
}

/** Opens a file in a fresh page, collecting console errors, script errors, failed requests and any request that leaves the page. */
async function open(file: string): Promise<Loaded> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warn") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${String(e)}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  page.on("request", (r) => {
    if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) problems.push(`request off the page: ${r.url()}`);
  });
  await page.setViewport({ width: 1000, height: 800 });
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  return { page, problems };
}

const write = (name: string, html: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, html);
  return file;
};

describe("the HTML report in headless Chromium", { skip }, () => {
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "modelsmith-html-"));
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ["--headless=new", "--no-sandbox"] });
  });
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the test report renders cleanly, failures first, with prompts, outputs and reasons escaped as text", async () => {
    const { page, problems } = await open(write("report.html", htmlReport(results())));
    assert.deepEqual(problems, []);
    const order = await page.$$eval("section.case", (els) => els.map((e) => [e.className, e.querySelector("h3")!.textContent!.replace(/\s+/g, " ").trim()]));
    assert.deepEqual(order.map(([cls]) => cls), ["case error", "case fail", "case pass"]);
    assert.match(order[1]![1]!, /^FAIL answers in JSON fox:latest · t\.yaml#2 · t\.yaml:\d+$/);
    // The markup in the prompt and output is shown as text, not interpreted.
    assert.equal(await page.$eval("section.case.fail pre.prompt", (e) => e.textContent), "Give <name> as JSON & stop");
    assert.equal(await page.$eval("section.case.fail pre.output", (e) => e.textContent), "Sure: <b>name</b> is Ada");
    assert.equal(await page.$$eval("section.case b", (els) => els.filter((e) => e.textContent === "name").length), 0);
    const failing = await page.$$eval("section.case.fail tr.fail", (rows) => rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent)));
    assert.deepEqual(failing, [
      ["✗", "contains-json", "contain JSON", "0.00", "no JSON object in the output"],
      ["✗", "levenshtein", 'be within 2 edits of "{\\"name\\": \\"Ada\\"}"', "0.00", "distance 18"],
    ]);
    assert.equal(await page.$eval("section.case.error pre.error", (e) => e.textContent), "MS6075: timed out after 5 s");
    assert.equal(await page.$eval("p.summary", (e) => e.textContent), "3 cases: 1 passed, 1 failed, 1 error");

    const shot = decodePng(Buffer.from(await page.screenshot({ type: "png", fullPage: true })));
    assert.equal(shot.width, 1000);
    assert.ok(shot.height >= 800, `height ${shot.height}`);
    // Text, badges and borders: far more than the one colour of a blank page.
    const blank = await browser.newPage();
    await blank.setViewport({ width: 1000, height: 800 });
    await blank.goto("about:blank");
    const blankShot = decodePng(Buffer.from(await blank.screenshot({ type: "png" })));
    assert.equal(distinctColours(blankShot.rgba), 1);
    assert.ok(distinctColours(shot.rgba) > 100, `${distinctColours(shot.rgba)} colours`);
  });

  it("--compare's page draws the chart: a KL point and a pass-rate point per variant, placed by size", async () => {
    const { page, problems } = await open(write("compare.html", compareHtml(comparison)));
    assert.deepEqual(problems, []);
    const points = await page.$$eval("svg.chart circle.kl", (els) => els.map((e) => [Number(e.getAttribute("cx")), Number(e.getAttribute("cy")), e.textContent]));
    assert.deepEqual(points.map((p) => p[2]), ["q8_0: KL 0.0020", "q4_k_m: KL 0.0300", "q2_k: KL 0.2000"]);
    // Bigger variant to the right; more divergence higher up (smaller y).
    assert.ok(points[0]![0]! > points[1]![0]! && points[1]![0]! > points[2]![0]!);
    assert.ok(points[0]![1]! > points[1]![1]! && points[1]![1]! > points[2]![1]!);
    assert.equal(await page.$$eval("svg.chart rect.rate", (els) => els.length), 3);

    const chart = await page.$("svg.chart");
    const shot = decodePng(Buffer.from(await chart!.screenshot({ type: "png" })));
    // The 640 x 320 chart and its 1 px border.
    assert.deepEqual([shot.width, shot.height], [642, 322]);
    // The drawn points are on the screenshot in their colours: KL red (#c0392b), pass rate blue (#2471a3).
    const count = (r: number, g: number, b: number) => {
      let n = 0;
      for (let i = 0; i < shot.rgba.length; i += 4) if (shot.rgba[i] === r && shot.rgba[i + 1] === g && shot.rgba[i + 2] === b) n++;
      return n;
    };
    assert.ok(count(0xc0, 0x39, 0x2b) > 3 * 60, `red pixels: ${count(0xc0, 0x39, 0x2b)}`);
    assert.ok(count(0x24, 0x71, 0xa3) > 3 * 60, `blue pixels: ${count(0x24, 0x71, 0xa3)}`);
  });
});
