import { open } from "node:fs/promises";
import path from "node:path";
import { error, type SourceRange } from "../diagnostics/diagnostic.js";
import { InputError } from "../diagnostics/errors.js";
import { readGgufFile, type GgufFile } from "./reader.js";
import { GgufValueType } from "./valueTypes.js";
import { writeGguf, type WrittenFile } from "./writer.js";

/**
 * Split GGUF sets, as llama.cpp's `llama-gguf-split` writes them and
 * `llama_model_load_from_splits` reads them: part i (from 0) of n is named
 * `<prefix>-0000{i+1}-of-0000{n}.gguf` (llama_split_path), carries `split.no`
 * = i, `split.count` = n (u16) and `split.tensors.count` (i32, the tensors of
 * the whole set); the first part has all the model's metadata, every part a
 * run of the tensors.
 * https://github.com/ggml-org/llama.cpp/blob/master/tools/gguf-split/gguf-split.cpp
 * https://github.com/ggml-org/llama.cpp/blob/master/src/llama-model-loader.cpp
 *
 * Ollama's create joins such a set into one model layer
 * (mergeSplitGGUFLayers, then a copy without the split keys:
 * removeSplitMetadata); modelsmith does the same with {@link mergeSplitGguf}.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go#L1109-L1200
 */

/** The keys a split set adds, which the joined file drops (Ollama's removeSplitMetadata). */
export const SPLIT_KEYS = ["split.no", "split.count", "split.tensors.count"] as const;

/** Ollama's splitGGUFNameRe: llama.cpp's part names. */
const SPLIT_NAME = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/;

/** The prefix, 0-based index and count a part's file name says, as Ollama's splitGGUFName reads it; undefined for another name. */
export function splitName(file: string): { prefix: string; index: number; count: number } | undefined {
  const m = SPLIT_NAME.exec(path.basename(file));
  if (!m) return undefined;
  const index = Number(m[2]);
  const count = Number(m[3]);
  if (index === 0 || count === 0) return undefined;
  return { prefix: m[1]!, index: index - 1, count };
}

/** llama_split_path: the file name of part `index` (from 0) of `count`. */
export function splitPartName(prefix: string, index: number, count: number): string {
  return `${prefix}-${String(index + 1).padStart(5, "0")}-of-${String(count).padStart(5, "0")}.gguf`;
}

/** Whether a file name is a split part's (a cheap test before reading a header). */
export const looksLikeSplitPart = (file: string): boolean => splitName(file) !== undefined;

function numberAt(g: GgufFile, key: string): number | undefined {
  const e = g.metadata.get(key);
  if (!e || e.type === GgufValueType.ARRAY || e.type === GgufValueType.STRING || e.type === GgufValueType.BOOL) return undefined;
  return Number(e.value);
}

/** `split.count` of a header when it is more than 1 (a part of a set), else undefined. */
export function splitCountOf(g: GgufFile): number | undefined {
  const n = numberAt(g, "split.count");
  return n !== undefined && n > 1 ? n : undefined;
}

export interface SplitSet {
  /** Absolute paths of the parts, in order. */
  parts: string[];
  headers: GgufFile[];
  /** The set as one GGUF: the first part's metadata without the split keys, every part's tensors in order (offsets are per part). */
  joined: GgufFile;
}

type At = { file?: string; range?: SourceRange };

/**
 * Reads the split set whose first part is `first` (its header already read),
 * checked as llama.cpp's loader and Ollama's create check it: the first part's
 * name follows the pattern with index 1 and the count `split.count` says
 * (MS3341), every other part exists beside it (MS3340), says its own index and
 * the same count (MS3341), and the parts hold `split.tensors.count` tensors
 * in all (MS3341). `shown` is how the message names the first part.
 */
export async function readSplitSet(first: string, header: GgufFile, shown: string, at: At = {}): Promise<SplitSet> {
  const count = splitCountOf(header)!;
  const bad = (message: string, hint: string) => new InputError(error("MS3341", `${shown}: ${message}`, { ...at, hint }));
  const name = splitName(first);
  if (!name) throw bad(`a part of a split GGUF (split.count ${count}) must use llama.cpp's split file name pattern <name>-00001-of-${String(count).padStart(5, "0")}.gguf`, "keep the names llama-gguf-split gave the parts");
  const no = numberAt(header, "split.no") ?? 0;
  if (name.index !== 0 || no !== 0) throw bad(`is part ${no + 1} of a split GGUF of ${count}; name the first part`, `FROM ${shown.slice(0, shown.length - path.basename(shown).length)}${splitPartName(name.prefix, 0, count)}: llama.cpp loads a split model from its first part`);
  if (name.count !== count) throw bad(`split GGUF file name count ${name.count} does not match metadata count ${count}`, "keep the names llama-gguf-split gave the parts");
  const dir = path.dirname(first);
  const parts = [first];
  const headers = [header];
  for (let i = 1; i < count; i++) {
    const part = path.join(dir, splitPartName(name.prefix, i, count));
    const h = await readGgufFile(part).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") throw new InputError(error("MS3340", `${shown}: part ${i + 1} of the split GGUF, ${path.basename(part)}, is missing`, { ...at, hint: `put all ${count} parts beside the first` }));
      throw err;
    });
    if (numberAt(h, "split.no") !== i || numberAt(h, "split.count") !== count) {
      throw bad(`${path.basename(part)} says it is part ${(numberAt(h, "split.no") ?? -1) + 1} of ${numberAt(h, "split.count") ?? "?"}, not ${i + 1} of ${count}`, "the parts must come from one llama-gguf-split run");
    }
    parts.push(part);
    headers.push(h);
  }
  const tensors = headers.flatMap((h) => h.tensors);
  const expected = numberAt(header, "split.tensors.count");
  if (expected !== undefined && expected !== tensors.length) throw bad(`the parts hold ${tensors.length} tensors, but split.tensors.count says ${expected}`, "the parts must come from one llama-gguf-split run");
  const metadata = new Map([...header.metadata].filter(([k]) => !(SPLIT_KEYS as readonly string[]).includes(k)));
  return { parts, headers, joined: { ...header, metadata, tensors } };
}

/**
 * Writes the split set as one GGUF at `outPath`: the first part's metadata
 * in its order without the split keys, then every part's tensor infos and
 * bytes in part order, the bytes copied as they are (no tensor is
 * converted). The same file `llama-gguf-split --merge` writes, less its
 * `split.*` keys (which Ollama's create removes too).
 */
export async function mergeSplitGguf(set: SplitSet, outPath: string, opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<WrittenFile> {
  const handles = await Promise.all(set.parts.map((p) => open(p, "r")));
  try {
    const tensors = set.headers.flatMap((h, i) =>
      h.tensors.map((t) => ({
        name: t.name,
        dims: t.dims,
        type: t.type,
        data: {
          bytes: t.size,
          async fill(target: Uint8Array, offset: number) {
            opts.signal?.throwIfAborted();
            let done = 0;
            while (done < target.length) {
              const { bytesRead } = await handles[i]!.read(target, done, target.length - done, t.fileOffset + offset + done);
              if (bytesRead === 0) throw new InputError(error("MS3341", `${path.basename(set.parts[i]!)}: tensor ${t.name} ends past the end of the file`, { hint: "the part is truncated; copy it again" }));
              done += bytesRead;
            }
          },
        },
      })),
    );
    return await writeGguf(outPath, { version: set.headers[0]!.version === 2 ? 2 : 3, metadata: set.joined.metadata, tensors }, opts.onProgress);
  } finally {
    await Promise.all(handles.map((h) => h.close()));
  }
}
