import { open, type FileHandle } from "node:fs/promises";

/**
 * Random access to the bytes of a GGUF file. `read` returns exactly `length` bytes
 * starting at `offset`, or fewer only where the source ends; callers never ask past
 * `size`. `name` is what diagnostics call the file (a path, or a label for a buffer).
 */
export interface ByteSource {
  readonly name: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A source over bytes already in memory. */
export function bufferSource(bytes: Uint8Array, name = "<buffer>"): ByteSource {
  return {
    name,
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}

/** A source over an open file, read with positioned reads; `close()` releases it. */
export interface FileSource extends ByteSource {
  close(): Promise<void>;
}

export async function openFileSource(path: string): Promise<FileSource> {
  const handle: FileHandle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    return {
      name: path,
      size,
      async read(offset, length) {
        const n = Math.max(0, Math.min(length, size - offset));
        const buf = Buffer.allocUnsafe(n);
        let done = 0;
        while (done < n) {
          const { bytesRead } = await handle.read(buf, done, n - done, offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return buf.subarray(0, done);
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
