/**
 * The names modelsmith gives files under `<store>/tmp/`, and who owns each.
 * `prune` and the cleanup of a new build touch only these names: anything
 * else in tmp/ is not ours and stays.
 *
 * Owned by one process, the pid in the name (gone with it: removed once that
 * pid is dead, whatever its age):
 *
 *     <kind>-<pid>-<12 hex>.tmp|.gguf        temp files of writes (temp-file.ts, quantize, test models)
 *     .<kind>-<pid>-<12 hex>.gguf.<12 hex>.partial   llama.cpp's output while it quantizes
 *     download-<64 hex>.json.<pid>.tmp       a download's state being saved
 *     checkpoint-<pid>-<12 hex>.dir/         a checkpoint laid out as symlinks to blobs (resolve/sources/materialize.ts)
 *     writer-<pid>.lease                     a live writer and the blobs it uses (writer-lease.ts)
 *
 * Resumable, owned by no process (a later run continues them; removed only
 * when older than the grace period and no writer is live):
 *
 *     download-<64 hex>.part|.json           registry blob downloads (src/registry/download.ts)
 *     fetch-<64 hex>.part|.part.json         URL downloads (src/registry/download-file.ts)
 */
export type TempName = { kind: "owned"; pid: number } | { kind: "resumable" };

const OWNED: RegExp[] = [
  /^[a-z]+-(\d+)-[0-9a-f]{12}\.(?:tmp|gguf)$/,
  /^\.[a-z]+-(\d+)-[0-9a-f]{12}\.gguf\.[0-9a-f]{12}\.partial$/,
  /^download-[0-9a-f]{64}\.json\.(\d+)\.tmp$/,
  /^checkpoint-(\d+)-[0-9a-f]{12}\.dir$/,
  /^writer-(\d+)\.lease$/,
];
const RESUMABLE = [/^download-[0-9a-f]{64}\.(?:part|json)$/, /^fetch-[0-9a-f]{64}\.part(?:\.json)?$/];

/** What a name under tmp/ is, or undefined when it is not one of ours. */
export function classifyTempName(name: string): TempName | undefined {
  for (const re of OWNED) {
    const m = re.exec(name);
    if (m) {
      const pid = Number(m[1]);
      return Number.isSafeInteger(pid) && pid > 0 ? { kind: "owned", pid } : undefined;
    }
  }
  return RESUMABLE.some((re) => re.test(name)) ? { kind: "resumable" } : undefined;
}

/** The lease file name of process `pid`. */
export function leaseName(pid: number): string {
  return `writer-${pid}.lease`;
}
