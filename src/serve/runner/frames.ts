import type { StreamHandoff } from "../../runtime/index.js";

/**
 * The bytes a runner writes for one piece of a streamed answer it was handed
 * (docs/decisions.md, "A runner writes its stream to the client itself"):
 * the server's own chunk for that piece (an SSE event, an NDJSON line), cut
 * into literal parts around the piece and the time, so that the runner writes
 * what the server would have written, byte for byte.
 */
export type PieceFrame = StreamHandoff["frame"];

/** In `parts`: the piece, as a JSON string. */
export const PIECE = 0;
/** In `parts`: the time the chunk is written, as a JSON string in ISO 8601 (Ollama's created_at). */
export const NOW = 1;

// Sentinels no piece or time holds; JSON.stringify writes each as its own quoted string, with \u0001 escaped.
const PIECE_MARK = "\u0001piece\u0001";
const NOW_MARK = "\u0001now\u0001";

/**
 * The frame of `render` (piece and time in, the chunk's bytes out), or
 * undefined when `render` does not put the piece (or the time) in as one JSON
 * string each: checked by rendering a hard piece both ways.
 */
export function pieceFrame(render: (piece: string, now: string) => string, skipEmpty: boolean): PieceFrame | undefined {
  const marked = render(PIECE_MARK, NOW_MARK);
  const parts: PieceFrame["parts"] = [];
  const quotedPiece = JSON.stringify(PIECE_MARK);
  const quotedNow = JSON.stringify(NOW_MARK);
  let rest = marked;
  for (;;) {
    const p = rest.indexOf(quotedPiece);
    const n = rest.indexOf(quotedNow);
    if (p < 0 && n < 0) break;
    const [at, mark, len]: [number, typeof PIECE | typeof NOW, number] = n < 0 || (p >= 0 && p < n) ? [p, PIECE, quotedPiece.length] : [n, NOW, quotedNow.length];
    if (at > 0) parts.push(rest.slice(0, at));
    parts.push(mark);
    rest = rest.slice(at + len);
  }
  if (rest !== "") parts.push(rest);
  const frame = { parts, skipEmpty };
  const hard = 'a"\\\n\u2028\u0000é😀</';
  const time = "2026-01-02T03:04:05.678Z";
  if (!parts.includes(PIECE) || renderPiece(frame, hard, time) !== render(hard, time)) return undefined;
  return frame;
}

/** One piece's bytes as `frame` gives them ("" for an empty piece when the frame skips those). */
export function renderPiece(frame: PieceFrame, piece: string, now: string): string {
  if (piece === "" && frame.skipEmpty) return "";
  let out = "";
  for (const part of frame.parts) out += part === PIECE ? JSON.stringify(piece) : part === NOW ? JSON.stringify(now) : part;
  return out;
}

/** `payload` as one chunk of HTTP/1.1's chunked transfer coding (RFC 9112, 7.1), as Node writes a response's chunks; "" for nothing. */
export function httpChunk(payload: string): string {
  if (payload === "") return "";
  return `${Buffer.byteLength(payload).toString(16)}\r\n${payload}\r\n`;
}
