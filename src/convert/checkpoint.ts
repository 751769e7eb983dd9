/**
 * A Hugging Face checkpoint folder as `save_pretrained` writes it: config.json,
 * the weights in model.safetensors or in shards listed by
 * model.safetensors.index.json, and the tokenizer files beside them.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { error, InputError } from "../diagnostics/index.js";
import { isObject, readJsonFile, type JsonObject } from "./json-file.js";
import { SafetensorsFile, type SafetensorsEntry } from "./safetensors.js";

export interface CheckpointTensor {
  file: SafetensorsFile;
  entry: SafetensorsEntry;
}

export interface Checkpoint {
  dir: string;
  config: JsonObject;
  /** Shards in the order llama.cpp reads them (file name order). */
  shards: SafetensorsFile[];
  /**
   * Every tensor, in llama.cpp's order: shard by shard, names sorted within a
   * shard (as gguf-py's SafetensorsLocal sorts them).
   */
  tensors: Map<string, CheckpointTensor>;
  close(): Promise<void>;
}

/** True when `path` is a folder holding config.json and at least one *.safetensors file. */
export async function isCheckpointDir(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isDirectory()) return false;
    const names = await readdir(path);
    return names.includes("config.json") && names.some((n) => n.endsWith(".safetensors"));
  } catch {
    return false;
  }
}

const INDEX = "model.safetensors.index.json";

/** The weight files of the folder, in read order: those the index names, else model.safetensors or model-*.safetensors. */
export async function shardNames(dir: string): Promise<string[]> {
  const index = await readJsonFile(join(dir, INDEX));
  if (index !== undefined) {
    const map = isObject(index) ? index.weight_map : undefined;
    if (!isObject(map)) throw new InputError(error("MS3208", `${INDEX}: no "weight_map" object`, { file: join(dir, INDEX) }));
    return [...new Set(Object.values(map).map(String))].sort();
  }
  const names = (await readdir(dir)).filter((n) => n.startsWith("model") && n.endsWith(".safetensors")).sort();
  if (names.length === 0) {
    throw new InputError(error("MS3200", `${dir}: no model.safetensors (or model-*-of-*.safetensors shards)`, { file: dir, hint: "Copy the weights beside config.json; only safetensors are read (not pytorch_model.bin)." }));
  }
  return names;
}

export async function openCheckpoint(dir: string): Promise<Checkpoint> {
  const configPath = join(dir, "config.json");
  const config = await readJsonFile(configPath);
  if (config === undefined) throw new InputError(error("MS3200", `${dir}: no config.json`, { file: dir, hint: "A Hugging Face checkpoint folder has config.json beside its *.safetensors." }));
  if (!isObject(config)) throw new InputError(error("MS3201", "config.json is not a JSON object", { file: configPath }));
  const names = await shardNames(dir);
  const shards: SafetensorsFile[] = [];
  const close = async () => {
    for (const s of shards) await s.close();
  };
  try {
    for (const name of names) {
      const path = join(dir, name);
      try {
        shards.push(await SafetensorsFile.open(path));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") {
          throw new InputError(error("MS3208", `${INDEX} names ${name}, which is not in ${dir}`, { file: join(dir, INDEX), hint: "Download every shard the index lists." }));
        }
        throw err;
      }
    }
    const tensors = new Map<string, CheckpointTensor>();
    for (const file of shards) {
      for (const name of [...file.entries.keys()].sort()) tensors.set(name, { file, entry: file.entries.get(name)! });
    }
    const index = await readJsonFile(join(dir, INDEX));
    if (isObject(index) && isObject(index.weight_map)) {
      for (const [name, shard] of Object.entries(index.weight_map)) {
        if (!tensors.has(name)) throw new InputError(error("MS3208", `${INDEX} puts tensor ${name} in ${String(shard)}, which does not hold it`, { file: join(dir, INDEX), hint: "The shard is stale or truncated; download it again." }));
      }
    }
    return { dir, config: config as JsonObject, shards, tensors, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Files besides config.json and the weights that the conversion reads when present. */
const TOKENIZER_FILES = ["tokenizer.model", "tokenizer.json", "tokenizer_config.json", "added_tokens.json", "chat_template.jinja", "chat_template.json"];

/**
 * Every file of the folder the conversion may read, sorted: config.json, the
 * index and the shards it names (or model*.safetensors), and the tokenizer
 * files present. Their digests, with the converter version and output type,
 * make the convert step's cache key.
 */
export async function checkpointInputFiles(dir: string): Promise<string[]> {
  const names = new Set(await readdir(dir));
  const out = new Set(["config.json", ...(await shardNames(dir))]);
  if (names.has(INDEX)) out.add(INDEX);
  for (const f of TOKENIZER_FILES) if (names.has(f)) out.add(f);
  return [...out].sort();
}
