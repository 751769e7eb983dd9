import { OLLAMA_TEMPLATE_FILES, OLLAMA_TEMPLATE_INDEX } from "./ollama-templates.js";

/** One of Ollama's bundled templates: its name, Go template text and stop parameters. */
export interface NamedTemplate {
  name: string;
  /** The `.gotmpl` text, the TEMPLATE layer's bytes. */
  template: string;
  /** `<name>.json` as Ollama reads it: its `stop` list only (other keys are dropped, as Ollama's struct drops them). */
  parameters?: { stop: string[] };
}

/** Ollama's threshold: a template closer than this many edits is recognised. */
const MAX_DISTANCE = 100;

/** The name each Jinja text was recognised as (null: none), the 64 latest texts. */
const recognised = new Map<string, string | null>();

/**
 * The template Ollama would pick for a GGUF's `tokenizer.chat_template`, as
 * ollama/ollama `template/template.go` `Named` does: the index entry at the
 * smallest Levenshtein distance (over Unicode code points, as
 * agnivade/levenshtein counts) from the Jinja text, the first of equals, if
 * that distance is under 100; else none.
 */
export function namedTemplate(jinja: string): NamedTemplate | undefined {
  // Asked at every load and, through serve's capabilities, at every chat: the distances are computed once per text.
  let best = recognised.get(jinja);
  if (best === undefined) {
    best = closestName(jinja) ?? null;
    if (recognised.size >= 64) recognised.delete(recognised.keys().next().value!);
    recognised.set(jinja, best);
  }
  if (best === null) return undefined;
  const file = OLLAMA_TEMPLATE_FILES[best]!;
  return { name: best, template: file.template, ...(file.parameters ? { parameters: { stop: [...(file.parameters.stop ?? [])] } } : {}) };
}

/** The index entry Ollama's Named picks for `jinja`, if any. */
function closestName(jinja: string): string | undefined {
  const text = Array.from(jinja);
  let best: string | undefined;
  let score = Number.MAX_SAFE_INTEGER;
  for (const entry of OLLAMA_TEMPLATE_INDEX) {
    const other = Array.from(entry.template);
    // A length difference is a lower bound of the distance: such an entry can be neither recognised nor best.
    if (Math.abs(other.length - text.length) >= Math.min(score, MAX_DISTANCE)) continue;
    const d = levenshtein(text, other);
    if (d < score) {
      score = d;
      best = entry.name;
    }
  }
  return best === undefined || score >= MAX_DISTANCE ? undefined : best;
}

/** Edit distance (insert, delete, substitute, each 1) between two code point arrays. */
export function levenshtein(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ai = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1]! + (ai === b[j - 1] ? 0 : 1);
      cur[j] = Math.min(sub, prev[j]! + 1, cur[j - 1]! + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}
