/**
 * Special token ids, add-bos/eos flags, merges and the chat template, read from
 * tokenizer.json, tokenizer_config.json, chat_template.jinja/json and
 * config.json exactly as gguf-py's SpecialVocab does
 * (llama.cpp gguf-py/gguf/vocab.py, SpecialVocab._load), written in the same order.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gv, GgufValueType, type GgufMetadataEntry } from "../gguf/index.js";
import { isObject, readJsonFile, type JsonObject } from "./json-file.js";

type Entry = [string, GgufMetadataEntry];

const ID_KEYS: Record<string, string> = {
  bos: "tokenizer.ggml.bos_token_id",
  eos: "tokenizer.ggml.eos_token_id",
  unk: "tokenizer.ggml.unknown_token_id",
  sep: "tokenizer.ggml.seperator_token_id",
  pad: "tokenizer.ggml.padding_token_id",
  mask: "tokenizer.ggml.mask_token_id",
  eot: "tokenizer.ggml.eot_token_id",
  eom: "tokenizer.ggml.eom_token_id",
};
const ADD_KEYS: Record<string, string> = {
  bos: "tokenizer.ggml.add_bos_token",
  eos: "tokenizer.ggml.add_eos_token",
  sep: "tokenizer.ggml.add_sep_token",
};

export interface SpecialVocabResult {
  entries: Entry[];
  /** The chat template that went into tokenizer.chat_template, if any. */
  chatTemplate?: string;
  ids: Map<string, number>;
}

export async function specialVocab(dir: string, opts: { loadMerges: boolean; nVocab?: number }): Promise<SpecialVocabResult> {
  let types = ["bos", "eos", "unk", "sep", "pad", "cls", "mask"];
  const ids = new Map<string, number>();
  const add = new Map<string, boolean>();
  let merges: string[] = [];
  let chatTemplate: unknown;
  let lowercase: boolean | undefined;
  let stripAccents: boolean | undefined;

  const setId = (typ: string, tid: unknown) => {
    if (typeof tid !== "number" || !Number.isInteger(tid) || tid < 0) return;
    if (opts.nVocab !== undefined && tid >= opts.nVocab) return;
    if (!ids.has(typ)) ids.set(typ, tid);
  };
  const parseNormalizer = (n: JsonObject) => {
    if (n.type === "Lowercase") lowercase = true;
    else if (n.type === "StripAccents") stripAccents = true;
    else if (n.type === "BertNormalizer") {
      if ("lowercase" in n) lowercase = Boolean(n.lowercase);
      if ("strip_accents" in n) stripAccents = Boolean(n.strip_accents);
    } else if (n.type === "Sequence" && Array.isArray(n.normalizers)) for (const m of n.normalizers) if (isObject(m)) parseNormalizer(m);
  };

  const tokenizer = await readJsonFile(join(dir, "tokenizer.json"));
  let added: JsonObject[] = [];
  const tcRaw = await readJsonFile(join(dir, "tokenizer_config.json"));
  const tc: JsonObject | undefined = isObject(tcRaw) && Object.keys(tcRaw).length > 0 ? tcRaw : undefined;
  if (isObject(tokenizer)) {
    const model = isObject(tokenizer.model) ? tokenizer.model : {};
    if (opts.loadMerges && Array.isArray(model.merges) && model.merges.length > 0) {
      const m = model.merges as unknown[];
      if (typeof m[0] === "string") merges = m as string[];
      else merges = (m as string[][]).map((pair) => pair.map((part) => [...part].map((c) => (c === " " ? String.fromCharCode(0x120) : c)).join("")).join(" "));
    }
    if (isObject(tokenizer.normalizer)) parseNormalizer(tokenizer.normalizer);
    added = Array.isArray(tokenizer.added_tokens) ? (tokenizer.added_tokens as JsonObject[]) : [];
    let bos = tc?.bos_token;
    let cls = tc?.cls_token;
    let eos = tc?.eos_token;
    let sep = tc?.sep_token;
    if (!bos && cls && tc) tc.bos_token = bos = cls;
    if (!eos && sep && tc) tc.eos_token = eos = sep;
    const pp = tokenizer.post_processor;
    if (isObject(pp)) {
      const processors = Array.isArray(pp.processors) ? (pp.processors as JsonObject[]) : [pp];
      for (const proc of processors) {
        if (proc.type === "RobertaProcessing") {
          add.set("bos", true).set("eos", true).set("sep", true);
          if (!cls && tc) tc.cls_token = cls = (proc.cls as unknown[] | undefined)?.[0] ?? bos;
          if (!sep && tc) tc.sep_token = sep = (proc.sep as unknown[] | undefined)?.[0] ?? eos;
          continue;
        }
        if (proc.type !== "TemplateProcessing") continue;
        const single = (proc.single as JsonObject[] | undefined) ?? [];
        let pair = (proc.pair as JsonObject[] | undefined) ?? [];
        const specialOf = (x: JsonObject | undefined) => (isObject(x?.SpecialToken) ? (x!.SpecialToken as JsonObject).id : undefined) as string | undefined;
        let first: string | undefined;
        let last: string | undefined;
        if (single.length > 1) {
          first = specialOf(single[0]);
          if (first) {
            if (!tc) bos = first;
            else if (first !== bos && first !== cls) {
              if (!bos) tc.bos_token = bos = first;
              if (!cls) tc.cls_token = cls = first;
            }
            add.set("bos", first === bos || first === cls);
          }
          last = specialOf(single[single.length - 1]);
          if (last) {
            if (!tc) eos = last;
            else if (last !== eos) {
              if (!types.includes("eot")) {
                types = [...types, "eot"];
                tc.eot_token = eos;
              } else if (!types.includes("eom")) {
                types = [...types, "eom"];
                tc.eom_token = eos;
              }
              tc.eos_token = eos = last;
            }
            add.set("eos", last === eos);
          }
        }
        if (pair.length > 0) {
          const start = first && specialOf(pair[0]) === first ? 1 : 0;
          const stop = last && specialOf(pair[pair.length - 1]) === last ? pair.length - 1 : pair.length;
          pair = pair.slice(start, stop);
          if (pair.length > 0) {
            const a = isObject(pair[0]!.Sequence) ? (pair[0]!.Sequence as JsonObject).id : undefined;
            const b = isObject(pair[pair.length - 1]!.Sequence) ? (pair[pair.length - 1]!.Sequence as JsonObject).id : undefined;
            if (a === "A" && b === "B" && (pair = pair.slice(1, -1)).length > 0) {
              let addSep = false;
              const e0 = specialOf(pair[0]);
              if (e0 && (e0 === sep || e0 === eos) && !last) addSep = true;
              if (pair.length === 2) {
                const e1 = specialOf(pair[1]);
                if (e1 && (e1 === sep || e1 === eos)) addSep = true;
              }
              add.set("sep", addSep);
              if (addSep && !sep && tc) tc.sep_token = eos;
            }
          }
        }
      }
    }
  }
  if (tc) {
    let alt: unknown;
    const jinja = await readFile(join(dir, "chat_template.jinja"), "utf8").catch(() => undefined);
    if (jinja !== undefined) alt = jinja;
    else {
      const ctj = await readJsonFile(join(dir, "chat_template.json"));
      if (isObject(ctj)) alt = ctj.chat_template;
    }
    const ct = "chat_template" in tc ? tc.chat_template : alt;
    if (ct === null || typeof ct === "string" || Array.isArray(ct)) chatTemplate = ct ?? undefined;
    for (const typ of types) {
      const a = tc[`add_${typ}_token`];
      if (typeof a === "boolean") add.set(typ, a);
      const e = tc[`${typ}_token`];
      const content = typeof e === "string" ? e : isObject(e) && typeof e.content === "string" ? e.content : undefined;
      if (content === undefined) continue;
      setId(typ, added.find((t) => t.content === content)?.id);
    }
  }
  const config = await readJsonFile(join(dir, "config.json"));
  if (isObject(config)) {
    for (const typ of types) {
      let tid = config[`${typ}_token_id`];
      if ((tid === undefined || tid === null) && isObject(config.text_config)) tid = config.text_config[`${typ}_token_id`];
      setId(typ, tid);
    }
  }

  const entries: Entry[] = [];
  if (merges.length > 0) entries.push(["tokenizer.ggml.merges", gv.arr(GgufValueType.STRING, merges)]);
  for (const [typ, id] of ids) if (ID_KEYS[typ]) entries.push([ID_KEYS[typ]!, gv.u32(id)]);
  for (const [typ, v] of add) if (ADD_KEYS[typ]) entries.push([ADD_KEYS[typ]!, gv.bool(v)]);
  let template: string | undefined;
  if (typeof chatTemplate === "string") template = chatTemplate;
  else if (Array.isArray(chatTemplate)) {
    const names: string[] = [];
    for (const choice of chatTemplate as JsonObject[]) {
      const name = String(choice.name ?? "").replace(/[^A-Za-z0-9]/g, "_");
      if (!name || typeof choice.template !== "string") continue;
      if (name === "default") template = choice.template;
      else {
        names.push(name);
        entries.push([`tokenizer.chat_template.${name}`, gv.str(choice.template)]);
      }
    }
    if (names.length > 0) entries.push(["tokenizer.chat_templates", gv.arr(GgufValueType.STRING, names)]);
  }
  if (template !== undefined) entries.push(["tokenizer.chat_template", gv.str(template)]);
  if (lowercase !== undefined) entries.push(["tokenizer.ggml.normalizer.lowercase", gv.bool(lowercase)]);
  if (stripAccents !== undefined) entries.push(["tokenizer.ggml.normalizer.strip_accents", gv.bool(stripAccents)]);
  return { entries, ...(template !== undefined ? { chatTemplate: template } : {}), ids };
}
