import type { ModelComparison, VariantRow } from "../compare/compare-models.js";
import type { CaseResult } from "../runner.js";
import { metricsLine, summarize, summaryLine } from "./summary.js";
import { escapeXml } from "./xml.js";

/**
 * `--reporter html`: one self-contained page (inline CSS and SVG, no script,
 * no external resource), readable offline and attachable to a CI run.
 * Cases are listed failures first (errors, then failures, then passes; within
 * each, in run order), each with its prompt, each run's output (and what the
 * case's transform made of it), and every assertion with what it expected and
 * why it passed or failed (assert-sets' results after their assertions,
 * metrics named); the summary ends with the metrics' totals.
 */
export function htmlReport(results: readonly CaseResult[], title = "modelsmith test report"): string {
  const rank = { error: 0, fail: 1, pass: 2 } as const;
  const ordered = results.map((r, i) => ({ r, i })).sort((a, b) => rank[a.r.status] - rank[b.r.status] || a.i - b.i).map((x) => x.r);
  const s = summarize(results);
  const body = [
    `<h1>${h(title)}</h1>`,
    `<p class="summary ${s.failed + s.errors > 0 ? "bad" : "good"}">${h(summaryLine(s))}</p>`,
    ...(s.metrics ? [`<p class="metrics">${h(metricsLine(s)!)}</p>`] : []),
    ...ordered.map(caseSection),
  ];
  return page(title, body.join("\n"));
}

/** `test --compare --reporter html`: per model, a chart of size against mean KL divergence and pass rate per variant, and the table. */
export function compareHtml(models: readonly ModelComparison[], title = "modelsmith quantization comparison"): string {
  const body = [`<h1>${h(title)}</h1>`];
  for (const m of models) {
    body.push(`<section class="model"><h2>${h(m.model)}</h2>`);
    body.push(`<p>base ${h(m.base.from)} (${mb(m.base.size)})${m.text ? `; compared over ${m.text.positions} positions of ${h(m.text.file)}` : "; no compare.text: no KL divergence"}</p>`);
    body.push(compareChart(m.variants));
    body.push(
      `<table><thead><tr><th>variant</th><th>size</th><th>pass rate</th><th>tokens/s</th><th>mean KL</th><th>top-1</th></tr></thead><tbody>`,
      ...m.variants.map(
        (v) =>
          `<tr><td>${h(v.tag)}</td><td class="num">${mb(v.size)}</td><td class="num">${v.passRate === null ? "-" : `${(v.passRate * 100).toFixed(0)}% (${v.passed}/${v.cases})`}</td><td class="num">${v.tokensPerSecond === null ? "-" : v.tokensPerSecond.toFixed(1)}</td><td class="num">${v.meanKl === null ? "-" : v.meanKl.toFixed(4)}</td><td class="num">${v.top1Agreement === null ? "-" : `${(v.top1Agreement * 100).toFixed(1)}%`}</td></tr>`,
      ),
      `</tbody></table></section>`,
    );
  }
  return page(title, body.join("\n"));
}

const h = (s: string) => escapeXml(s);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 0)} MB`;

function caseSection(r: CaseResult): string {
  const c = r.case;
  const input = c.prompt !== undefined ? `<pre class="prompt">${h(c.prompt)}</pre>` : `<div class="chat">${(c.messages ?? []).map((m) => `<div class="msg"><b>${h(m.role)}</b><pre>${h(m.content)}</pre></div>`).join("")}</div>`;
  const runs = r.runs.map((run, i) => {
    // An assertion of an assert-set names its set; a set's own result is "assert-set N"; a metric follows the name.
    const label = (a: (typeof run.assertions)[number]) =>
      `${a.setIndex !== undefined ? `assert-set ${a.setIndex + 1}` : a.set !== undefined ? `set ${a.set + 1}: ${a.name}` : a.name}${a.metric !== undefined ? ` [${a.metric}]` : ""}`;
    const rows = run.assertions.map(
      (a) => `<tr class="${a.pass ? "pass" : "fail"}${a.setIndex !== undefined ? " set" : ""}"><td>${a.pass ? "✓" : "✗"}</td><td>${h(label(a))}</td><td>${h(a.expected)}</td><td class="num">${a.score.toFixed(2)}</td><td><pre>${h(a.detail ?? "")}</pre></td></tr>`,
    );
    const output = `<pre class="output">${h(run.text)}</pre>${run.transformed !== undefined ? `<div class="transformed"><b>after transform</b><pre class="output">${h(run.transformed)}</pre></div>` : ""}`;
    return `<div class="run"><h4>run ${i + 1}: ${run.pass ? "pass" : "fail"}, score ${run.score.toFixed(2)}, finished with ${h(run.finishReason)}</h4>${output}<table><thead><tr><th></th><th>assertion</th><th>expected to</th><th>score</th><th>why</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
  });
  const error = r.error !== undefined ? `<pre class="error">${h(r.error)}</pre>` : "";
  return `<section class="case ${r.status}"><h3><span class="badge ${r.status}">${r.status.toUpperCase()}</span> ${h(c.name)} <small>${h(r.model)} · ${h(c.id)} · ${h(`${c.file}:${c.range.start.line}`)}${r.cached ? " · cached" : ""}</small></h3>${input}${error}${runs.join("")}</section>`;
}

/**
 * An SVG scatter: x is the variant's size, the left axis mean KL divergence
 * (circles), the right axis the pass rate (squares), each point labelled with
 * the tag. Variants without a value on an axis have no point on it.
 */
function compareChart(variants: readonly VariantRow[]): string {
  const W = 640;
  const H = 320;
  const pad = { l: 64, r: 64, t: 20, b: 48 };
  const sizes = variants.map((v) => v.size);
  const kls = variants.map((v) => v.meanKl).filter((x): x is number => x !== null);
  const [xMin, xMax] = [Math.min(...sizes), Math.max(...sizes)];
  const klMax = Math.max(1e-6, ...kls);
  const x = (size: number) => pad.l + (xMax === xMin ? 0.5 : (size - xMin) / (xMax - xMin)) * (W - pad.l - pad.r);
  const yKl = (kl: number) => H - pad.b - (kl / klMax) * (H - pad.t - pad.b);
  const yRate = (rate: number) => H - pad.b - rate * (H - pad.t - pad.b);
  const parts: string[] = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="size against KL divergence and pass rate">`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`,
    `<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#333"/>`,
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" stroke="#c0392b"/>`,
    `<line x1="${W - pad.r}" y1="${pad.t}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#2471a3"/>`,
    `<text x="${W / 2}" y="${H - 10}" text-anchor="middle" font-size="12">size (MB)</text>`,
    `<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle" font-size="12" fill="#c0392b">mean KL divergence</text>`,
    `<text x="${W - 14}" y="${H / 2}" transform="rotate(90 ${W - 14} ${H / 2})" text-anchor="middle" font-size="12" fill="#2471a3">pass rate</text>`,
    `<text x="${pad.l - 6}" y="${yKl(klMax) + 4}" text-anchor="end" font-size="10" fill="#c0392b">${klMax.toFixed(3)}</text>`,
    `<text x="${pad.l - 6}" y="${yKl(0) + 4}" text-anchor="end" font-size="10" fill="#c0392b">0</text>`,
    `<text x="${W - pad.r + 6}" y="${yRate(1) + 4}" font-size="10" fill="#2471a3">100%</text>`,
    `<text x="${W - pad.r + 6}" y="${yRate(0) + 4}" font-size="10" fill="#2471a3">0%</text>`,
  ];
  for (const v of variants) {
    const cx = x(v.size);
    parts.push(`<text x="${cx}" y="${H - pad.b + 16}" text-anchor="middle" font-size="10">${h(v.tag)} ${(v.size / 1e6).toFixed(1)}</text>`);
    if (v.meanKl !== null) parts.push(`<circle class="kl" cx="${cx}" cy="${yKl(v.meanKl)}" r="6" fill="#c0392b"><title>${h(v.tag)}: KL ${v.meanKl.toFixed(4)}</title></circle>`);
    if (v.passRate !== null) parts.push(`<rect class="rate" x="${cx - 5}" y="${yRate(v.passRate) - 5}" width="10" height="10" fill="#2471a3"><title>${h(v.tag)}: pass rate ${(v.passRate * 100).toFixed(0)}%</title></rect>`);
  }
  parts.push(`</svg>`);
  return parts.join("");
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#222;background:#fafafa}
h1{font-size:1.5rem}h3{font-size:1.05rem;margin:.2rem 0}small{color:#666;font-weight:normal}
.summary{font-weight:bold}.summary.bad{color:#b03a2e}.summary.good{color:#1e8449}.metrics{color:#444}
tr.set td{font-weight:bold}
section.case{background:#fff;border:1px solid #ddd;border-left:6px solid #1e8449;border-radius:4px;padding:.6rem 1rem;margin:.8rem 0}
section.case.fail{border-left-color:#b03a2e}section.case.error{border-left-color:#7d3c98}
.badge{display:inline-block;padding:0 .4rem;border-radius:3px;color:#fff;font-size:.8rem}
.badge.pass{background:#1e8449}.badge.fail{background:#b03a2e}.badge.error{background:#7d3c98}
pre{white-space:pre-wrap;word-break:break-word;margin:.2rem 0;font-size:.85rem}
pre.prompt{background:#eef3f8;padding:.4rem}pre.output{background:#f4f4f4;padding:.4rem}pre.error{color:#7d3c98}
table{border-collapse:collapse;margin:.4rem 0;font-size:.85rem}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
tr.fail td{background:#fdecea}tr.pass td:first-child{color:#1e8449}.num{text-align:right}
.chart{background:#fff;border:1px solid #ddd}
`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${h(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
