/** node-llama-cpp nests GGUF metadata by dotted key; this flattens it back to dotted keys. */
export function flattenMetadata(o: Record<string, unknown>, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix === "" ? k : `${prefix}.${k}`;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) flattenMetadata(v as Record<string, unknown>, key, out);
    else out.set(key, v);
  }
  return out;
}
