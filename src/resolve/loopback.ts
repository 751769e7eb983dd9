/**
 * True for host names that reach only this machine: `localhost`, 127.0.0.0/8
 * and `[::1]`. Plain `http://` is accepted for these alone (a local test
 * server or registry); everything else must use https.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/:\d+$/, "");
  if (h === "localhost" || h === "[::1]") return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}
