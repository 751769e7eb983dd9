import { distance } from "fastest-levenshtein";
import { n as rougeN } from "js-rouge";
import { parse as parseYaml } from "yaml";

/**
 * promptfoo's text metrics, each as its handler computes it (the tests link
 * the source lines): the same libraries where promptfoo uses one
 * (fastest-levenshtein, js-rouge), its own BLEU and JSON extraction ported.
 */

/** Edit distance between output and value (promptfoo src/assertions/levenshtein.ts). */
export function levenshtein(output: string, value: string): number {
  return distance(output, value);
}

/** ROUGE-N (n = 1) of the output against the value: js-rouge's `n(candidate, reference, {})`, as promptfoo calls it (src/assertions/rouge.ts). */
export function rouge1(output: string, value: string): number {
  // js-rouge throws on an empty candidate or reference; an empty output shares no n-gram with anything.
  if (output.trim() === "" || value.trim() === "") return 0;
  return rougeN(output, value, {});
}

function nGrams(words: readonly string[], n: number): string[] {
  const grams: string[] = [];
  for (let i = 0; i + n <= words.length; i++) grams.push(words.slice(i, i + n).join(" "));
  return grams;
}

/**
 * BLEU-4 with uniform weights, brevity penalty against the reference closest in
 * length, and promptfoo's smoothing of a zero precision to 1e-7
 * (src/assertions/bleu.ts `calculateBleuScore`): words are the lowercased,
 * trimmed text split on whitespace. 0 for an empty output (promptfoo throws).
 */
export function bleu(output: string, references: readonly string[]): number {
  if (output === "" || references.length === 0) return 0;
  const words = (s: string) => s.toLowerCase().trim().split(/\s+/);
  const cand = words(output);
  const refLengths = references.map((r) => words(r).length);
  const closest = refLengths.reduce((prev, cur) => (Math.abs(cur - cand.length) < Math.abs(prev - cand.length) ? cur : prev));
  const precisions: number[] = [];
  for (let n = 1; n <= 4; n++) {
    const candGrams = nGrams(cand, n);
    const candCounts = new Map<string, number>();
    for (const g of candGrams) candCounts.set(g, (candCounts.get(g) ?? 0) + 1);
    let best = 0;
    for (const ref of references) {
      const refCounts = new Map<string, number>();
      for (const g of nGrams(words(ref), n)) refCounts.set(g, (refCounts.get(g) ?? 0) + 1);
      let clipped = 0;
      for (const [g, c] of candCounts) clipped += Math.min(c, refCounts.get(g) ?? 0);
      best = Math.max(best, clipped);
    }
    precisions.push(candGrams.length > 0 ? best / candGrams.length : 0);
  }
  const bp = cand.length > closest ? 1 : Math.exp(1 - cand.length / closest);
  return bp * Math.exp(precisions.reduce((acc, p) => acc + 0.25 * Math.log(p === 0 ? 1e-7 : p), 0));
}

/**
 * The JSON objects (and arrays' enclosing objects) written in a text, in order:
 * promptfoo's `extractJsonObjects` (src/util/json.ts). From each `{`, the
 * shortest slice that parses (as YAML, as promptfoo's js-yaml does, so `{a: 1}` counts too)
 * to an object; scanning resumes after it. promptfoo also turns `//` comments
 * into `#` first; this does not.
 */
export function extractJsonObjects(text: string): object[] {
  const found: object[] = [];
  const MAX = 100_000;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "{") continue;
    for (let j = i + 1; j <= Math.min(i + MAX, text.length); j++) {
      if (text[j - 1] !== "}") continue; // a flow map ends with its closing brace: other slices cannot parse to an object
      let parsed: unknown;
      try {
        parsed = parseYaml(text.slice(i, j), { uniqueKeys: false, prettyErrors: false }) as unknown;
      } catch {
        continue;
      }
      if (typeof parsed === "object" && parsed !== null) {
        found.push(parsed);
        i = j - 1;
        break;
      }
    }
  }
  return found;
}
