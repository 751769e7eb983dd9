/**
 * The forms a base model reference takes once parsed (see parseReference for
 * the grammar and formatReference for the canonical text). Every field holds
 * its default filled in, so two texts that name the same thing parse to equal
 * values and print to the same canonical string (the key in models.lock).
 */

/** `sha256:` and 64 lower-case hex digits. */
export type Sha256Digest = `sha256:${string}`;

interface Pinnable {
  /**
   * Exactly these bytes (`@sha256:<hex>`): the GGUF blob for a file, URL, Hugging
   * Face file or test model; for a Hugging Face repository, its one GGUF file or
   * its checkpoint index (the sorted list of its files' paths, digests and sizes); the manifest for an Ollama or OCI registry
   * reference and for a project model (what the OCI convention `repo@digest` means).
   */
  digest?: Sha256Digest;
}

/** A local GGUF file, the path as written but normalized (`./` kept on relative paths). */
export interface FileReference extends Pinnable {
  kind: "file";
  /** Starts with `./`, `../`, `/` or `~/`; relative paths are relative to the Modelfile. */
  path: string;
}

/** A model in an Ollama registry; defaults `registry.ollama.ai`, `library`, `latest`. */
export interface OllamaReference extends Pinnable {
  kind: "ollama";
  /** Lower-case host name with an optional `:port`. */
  host: string;
  namespace: string;
  model: string;
  tag: string;
}

/** One file of a Hugging Face model repository at a revision (default `main`). */
export interface HfReference extends Pinnable {
  kind: "hf";
  org: string;
  repo: string;
  /** Path of the file inside the repository, `/`-separated. */
  file: string;
  revision: string;
}

/**
 * A whole Hugging Face model repository at a revision (default `main`):
 * a safetensors checkpoint (config.json, weights, tokenizer) converted to GGUF
 * in the build, or a repository that holds exactly one `.gguf` file.
 */
export interface HfRepoReference extends Pinnable {
  kind: "hfrepo";
  org: string;
  repo: string;
  revision: string;
}

/** A plain download; `url` is the WHATWG serialization without a fragment. */
export interface UrlReference extends Pinnable {
  kind: "url";
  url: string;
}

/** An artifact in any OCI distribution registry; `tag` defaults to `latest` unless pinned by digest alone. */
export interface OciReference extends Pinnable {
  kind: "oci";
  host: string;
  repository: string;
  tag?: string;
}

/** Another model of the same project (a build dependency); no tag means its default variant. */
export interface ProjectReference extends Pinnable {
  kind: "project";
  model: string;
  tag?: string;
}

export type TestTensorKind = "f32" | "f16";

/** Shape of `testmodel://random` (llama.cpp's llama architecture, random weights). */
export interface RandomModelParams {
  embd: number;
  layers: number;
  heads: number;
  /** KV heads; defaults to `heads` (no grouped-query attention). */
  kv: number;
  ff: number;
  vocab: number;
  ctx: number;
  seed: number;
  type: TestTensorKind;
}

/** Options of `testmodel://oracle`, the llama whose greedy continuation is known. */
export interface OracleModelParams {
  /** The sentence it recites. */
  text: string;
  /** Stop with EOS after the last word instead of starting over. */
  eos: boolean;
  layers: number;
  ff: number;
  ctx: number;
  type: TestTensorKind;
}

/**
 * Options of `testmodel://lora`, a LoRA adapter (not a model: it goes on an
 * ADAPTER line) for the oracle of the same `text` and `eos`, which makes that
 * oracle recite `say` instead.
 */
export interface LoraModelParams {
  /** The base oracle's sentence. */
  text: string;
  /** The base oracle's `eos`. */
  eos: boolean;
  /** What the adapted oracle recites: distinct words of `text`. */
  say: string;
}

export type TestModelReference = Pinnable & { kind: "testmodel" } & (
    | { generator: "random"; params: RandomModelParams }
    | { generator: "oracle"; params: OracleModelParams }
    | { generator: "lora"; params: LoraModelParams }
  );

export type Reference =
  | FileReference
  | OllamaReference
  | HfReference
  | HfRepoReference
  | UrlReference
  | OciReference
  | ProjectReference
  | TestModelReference;

export type ReferenceKind = Reference["kind"];
