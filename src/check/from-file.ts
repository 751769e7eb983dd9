import { stat } from "node:fs/promises";
import path from "node:path";
import { isCheckpointDir } from "../convert/checkpoint.js";
import { isLocalPath } from "../resolve/file-ref.js";

/**
 * Ollama's FROM rule: the argument is first tried as a path relative to the
 * Modelfile, and only when no such file exists is it a model name
 * (https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/parser/parser.go#L67-L75:
 * `fileDigestMap` of the expanded path, `req.From` on ErrNotExist). So
 * `FROM sophia-q4_k_m.gguf` beside the Modelfile is that file: returns the
 * text as a local path (`./sophia-q4_k_m.gguf`) when a file of that name is
 * beside (or below) the Modelfile, or a Hugging Face checkpoint folder of that
 * name, else the text as it is. Texts that are
 * already paths, or carry a scheme or a pin, are returned unchanged.
 */
export async function fromFileFirst(text: string, modelfile: string): Promise<string> {
  if (isLocalPath(text) || /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text) || text.includes("@sha256:") || /\s/.test(text)) return text;
  const abs = path.resolve(path.dirname(modelfile), text);
  const isFile = await stat(abs).then((s) => s.isFile(), () => false);
  // Ollama's create converts a safetensors folder named the same way (FROM my-model/ beside the Modelfile).
  return isFile || (await isCheckpointDir(abs)) ? `./${text}` : text;
}
