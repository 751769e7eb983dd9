/** A GGUF metadata map as the reader gives it. */
type Metadata = ReadonlyMap<string, { value: unknown }>;

/**
 * Whether a GGUF is a vision (or audio) projector, decided as Ollama decides
 * it when it picks a layer's media type
 * (https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go#L1284-L1296):
 * `general.type` is `projector` or `mmproj`; or it has
 * `<arch>.vision.block_count` but no `<arch>.block_count`; or its
 * architecture is `clip` with no block count and a vision or audio encoder.
 */
export function isProjectorGguf(meta: Metadata): boolean {
  const get = (k: string) => meta.get(k)?.value;
  const kind = get("general.type");
  if (kind === "projector" || kind === "mmproj") return true;
  const arch = String(get("general.architecture") ?? "");
  const blocks = Number(get(`${arch}.block_count`) ?? 0);
  if (blocks === 0 && Number(get(`${arch}.vision.block_count`) ?? 0) > 0) return true;
  return arch === "clip" && blocks === 0 && (get("clip.has_vision_encoder") === true || get("clip.has_audio_encoder") === true);
}
