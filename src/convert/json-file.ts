import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { error, InputError } from "../diagnostics/index.js";

/** A JSON file of the checkpoint, or undefined when it does not exist; bad JSON is MS3211 with its position. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(error("MS3211", `${basename(path)}: ${(err as Error).message}`, { file: path, hint: "Download the file again; it is not valid JSON." }));
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
