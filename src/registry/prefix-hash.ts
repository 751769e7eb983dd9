import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import type { Sha256Digest } from "../resolve/reference-types.js";

const READ_BYTES = 4 << 20;

/**
 * The sha256 of a file written in fixed-size chunks in any order (a download
 * of parallel ranges): each chunk is read back and hashed as soon as every
 * chunk before it is done, while later ones are still arriving, so the digest
 * is ready when the last chunk is written instead of after a second pass over
 * the whole file. The reads come from the page cache (the bytes were just
 * written), through the same file handle, positional.
 *
 * It never throws: a failed read or a stop makes `digest()` answer undefined,
 * and the caller hashes the file itself (as before).
 */
export class PrefixHasher {
  private readonly hash = createHash("sha256");
  private readonly chunks: number;
  private next = 0;
  private running: Promise<void> = Promise.resolve();
  private broken = false;

  constructor(
    private readonly fh: FileHandle,
    private readonly size: number,
    private readonly chunkSize: number,
    private readonly isDone: (chunk: number) => boolean,
  ) {
    this.chunks = Math.max(1, Math.ceil(size / chunkSize));
  }

  /** Hashes, in the background, every chunk that is now next in order: call after a chunk is done. */
  advance(): void {
    this.running = this.running.then(() => this.drain()).catch(() => {
      this.broken = true;
    });
  }

  /** Stops hashing (the file is about to be closed or rewritten); resolves once no read is under way. */
  async stop(): Promise<void> {
    this.broken = true;
    await this.running;
  }

  /** The digest of the whole file once every chunk is done and hashed; undefined when hashing stopped or failed. */
  async digest(): Promise<Sha256Digest | undefined> {
    this.advance();
    await this.running;
    if (this.broken || this.next !== this.chunks) return undefined;
    this.broken = true; // digest() finalizes the hash: once.
    return `sha256:${this.hash.digest("hex")}`;
  }

  private async drain(): Promise<void> {
    const buf = Buffer.allocUnsafe(Math.max(1, Math.min(this.chunkSize, READ_BYTES)));
    while (!this.broken && this.next < this.chunks && this.isDone(this.next)) {
      const start = this.next * this.chunkSize;
      const end = Math.min(this.size, start + this.chunkSize);
      for (let pos = start; pos < end; ) {
        const { bytesRead } = await this.fh.read(buf, 0, Math.min(buf.length, end - pos), pos);
        if (bytesRead === 0) throw new Error(`short read at ${pos}`);
        this.hash.update(buf.subarray(0, bytesRead));
        pos += bytesRead;
      }
      this.next++;
    }
  }
}
