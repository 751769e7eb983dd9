import { Socket } from "node:net";
import type { FdPass } from "./fdpass.js";
import { httpChunk, renderPiece, type PieceFrame } from "./frames.js";

/** The descriptor sent with `go` for `id`: messages on the channel for other ids (a request that ended first) are closed. -1 when none is there (or the channel fails). */
export function takeConnection(h: { fd: number; lib: FdPass }, id: number): number {
  for (;;) {
    let got: [number, number] | null;
    try {
      got = h.lib.receive(h.fd);
    } catch {
      return -1;
    }
    if (!got) return -1;
    if (got[0] === id) return got[1];
    if (got[1] >= 0) h.lib.close(got[1]);
  }
}

/**
 * One streamed request the server may hand over (protocol.ts; docs/decisions.md,
 * "A runner writes its stream to the client itself"): its first pieces go to
 * the server (`toServer` answers true), the later ones are held until `go`
 * (`take`: then written to the connection as HTTP chunks, with the server's
 * own bytes for each piece: frames.ts) or `nogo` (`release`: sent to the
 * server after all).
 */
export class DirectStream {
  private state: "first" | "asked" | "direct" = "first";
  private pending: string[] = [];
  private connection: Socket | undefined;
  /** Settles when the last write is in the kernel or failed (writes complete in order). */
  private written: Promise<void> = Promise.resolve();

  /** The kernel did not take all that was written: a death now could leave a chunk cut short (the server then closes the connection). */
  private backlogged = false;

  constructor(
    private readonly pieceFrame: PieceFrame,
    /** Told when the connection backs up and when it has drained (the server's `backlog`). */
    private readonly onBacklog: (on: boolean) => void,
  ) {}

  /** `pieces` are this request's next: whether they go to the server (else they are held, or written to the connection). */
  toServer(pieces: string[]): boolean {
    if (this.state === "first") {
      this.state = "asked";
      return true;
    }
    if (this.state === "asked") this.pending.push(...pieces);
    else this.write(pieces);
    return false;
  }

  /** The connection came (`fd`): the held pieces, and every later one, are written to it. False when it cannot be used. */
  take(fd: number): boolean {
    if (this.state !== "asked" || fd < 0) return false;
    try {
      // Writable only: the server's HTTP parser reads this connection (the client's next request), never this process.
      this.connection = new Socket({ fd, readable: false, writable: true });
    } catch {
      return false;
    }
    // The client went away: the server hears it too and cancels the request.
    this.connection.on("error", () => undefined);
    this.state = "direct";
    const held = this.pending;
    this.pending = [];
    this.write(held);
    return true;
  }

  /** The pieces held (none once handed over); from now on, the server gets them. */
  release(): string[] {
    const held = this.state === "asked" ? this.pending : [];
    this.pending = [];
    this.state = "first";
    return held;
  }

  private write(pieces: string[]): void {
    const c = this.connection;
    if (!c || c.destroyed || pieces.length === 0) return;
    const now = new Date().toISOString();
    let payload = "";
    for (const p of pieces) payload += renderPiece(this.pieceFrame, p, now);
    if (payload === "") return;
    this.written = new Promise((resolve) =>
      c.write(httpChunk(payload), () => {
        if (this.backlogged && c.writableLength === 0) {
          this.backlogged = false;
          this.onBacklog(false);
        }
        resolve();
      }),
    );
    if (!this.backlogged && c.writableLength > 0) {
      this.backlogged = true;
      this.onBacklog(true);
    }
  }

  /** Once everything written is in the kernel (or the client is gone): this descriptor closed; whether it held one. Never shuts the connection down. */
  async close(): Promise<boolean> {
    const c = this.connection;
    if (!c) return false;
    this.connection = undefined;
    if (!c.destroyed) await Promise.race([this.written, new Promise<void>((resolve) => c.once("close", () => resolve()))]);
    c.destroy();
    return true;
  }
}

