import type { Server, ServerResponse } from "node:http";

/** The responses not yet finished, to wait for them at shutdown. */
export class InFlight {
  private readonly open = new Set<ServerResponse>();
  private waiters: Array<() => void> = [];

  add(res: ServerResponse): void {
    this.open.add(res);
    res.on("close", () => {
      this.open.delete(res);
      if (this.open.size === 0) for (const w of this.waiters.splice(0)) w();
    });
  }

  idle(): Promise<void> {
    return this.open.size === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** How long cancelled requests get to write their last line before their connections are cut. */
const DRAIN_MS = 1000;

/**
 * A graceful stop: the listening socket closes at once (new connections are
 * refused) and idle keep-alive connections with it; requests in flight run
 * until they end or `graceMs` passes; then `stop` is aborted (generations
 * stop, each answering its client with a 503), and after a short drain every
 * connection left is cut (a client still sending its body does not hold the
 * shutdown). Resolves when the server is closed.
 */
export async function stopGracefully(server: Server, inFlight: InFlight, stop: AbortController, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await within(inFlight.idle(), graceMs);
  stop.abort();
  await within(inFlight.idle(), DRAIN_MS);
  server.closeAllConnections();
  await closed;
}

async function within(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
