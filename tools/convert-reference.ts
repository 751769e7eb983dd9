/**
 * llama.cpp's own converter (convert_hf_to_gguf.py from the source
 * node-llama-cpp bundles, run with Debian's python3 and the stand-ins of
 * test/fixtures/hf-standins) and a SentencePiece tokenizer trained with
 * `spm_train`: the reference the checkpoint conversion is compared with, by the
 * differential tests and by `npm run bench` (BENCH_CONVERT=1).
 */
import { execFile, execFileSync } from "node:child_process";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { fromRoot } from "./paths.js";

const run = promisify(execFile);

export const PYTHON = "/usr/bin/python3";
const BUNDLE = fromRoot("node_modules/node-llama-cpp/llama/gitRelease.bundle");

/** Why the reference cannot run here, or undefined when it can. */
export function referenceMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed`;
  try {
    execFileSync(PYTHON, ["-c", "import numpy, torch, sentencepiece, tqdm"], { stdio: "pipe" });
  } catch {
    return `${PYTHON} lacks numpy, torch, sentencepiece or tqdm (Debian: python3-numpy python3-torch python3-sentencepiece python3-tqdm)`;
  }
  if (!existsSync(BUNDLE)) return `${BUNDLE} is missing`;
  return undefined;
}

/** Why spm_train cannot run, or undefined. */
export function spmTrainMissing(): string | undefined {
  try {
    execFileSync("spm_train", ["--help"], { stdio: "pipe" });
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? "spm_train is not installed (Debian: sentencepiece)" : undefined;
  }
}

/** llama.cpp's source at the commit node-llama-cpp ships, cloned once under the OS temp dir. */
export function llamaCppSource(): string {
  const st = statSync(BUNDLE);
  const dir = path.join(tmpdir(), `modelsmith-llama.cpp-${st.size}-${Math.floor(st.mtimeMs)}`);
  if (existsSync(path.join(dir, "convert_hf_to_gguf.py"))) return dir;
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  execFileSync("git", ["clone", "--quiet", BUNDLE, tmp], { stdio: "pipe" });
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process won the race
  }
  return dir;
}

/** Runs convert_hf_to_gguf.py on `dir`; `pre` fixes tokenizer.ggml.pre (the stand-in cannot encode, see the fixture's README). */
export async function runReference(dir: string, outType: "f32" | "f16" | "bf16", out: string, pre?: string): Promise<void> {
  await run(PYTHON, [fromRoot("test/fixtures/hf-standins/run_reference.py"), llamaCppSource(), dir, "--outtype", outType, "--outfile", out], {
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", ...(pre ? { HF_STANDIN_TOKENIZER_PRE: pre } : {}) },
    maxBuffer: 64 << 20,
  });
}

const WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "hello", "world", "model", "smith", "water", "is", "blue", "sky", "tokens", "llama", "and", "of"];

/** Trains a SentencePiece BPE model with byte fallback (as Llama 2's) on a generated corpus: `<dir>/tokenizer.model`, 320 pieces. */
export async function trainSpm(dir: string): Promise<void> {
  let x = 7;
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const line: string[] = [];
    for (let j = 0; j < 12; j++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      line.push(WORDS[x % WORDS.length]!);
    }
    lines.push(line.join(" ") + ".");
  }
  const work = path.join(dir, ".spm");
  await mkdir(work, { recursive: true });
  await writeFile(path.join(work, "corpus.txt"), lines.join("\n") + "\n");
  await run("spm_train", [
    `--input=${path.join(work, "corpus.txt")}`, `--model_prefix=${path.join(work, "spm")}`, "--vocab_size=320", "--model_type=bpe",
    "--byte_fallback=true", "--character_coverage=1.0", "--unk_id=0", "--bos_id=1", "--eos_id=2", "--minloglevel=2", "--num_threads=1",
  ]);
  await copyFile(path.join(work, "spm.model"), path.join(dir, "tokenizer.model"));
  rmSync(work, { recursive: true, force: true });
}


/** Runs convert_lora_to_gguf.py on the PEFT folder `lora` with `--base` the checkpoint folder `base` (its default --outtype f32). */
export async function runLoraReference(lora: string, base: string, out: string, extra: string[] = []): Promise<void> {
  await run(PYTHON, [fromRoot("test/fixtures/hf-standins/run_reference.py"), llamaCppSource(), "--lora", lora, "--base", base, "--outfile", out, ...extra], {
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    maxBuffer: 64 << 20,
  });
}
