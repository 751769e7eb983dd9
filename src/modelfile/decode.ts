import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import { LineIndex } from "../diagnostics/position.js";

/** The encodings a Modelfile may be saved in. */
export type ModelfileEncoding = "utf-8" | "utf-16le" | "utf-16be";

export interface DecodedModelfile {
  /** The text, without byte order mark; line endings as in the file (CRLF stays CRLF). */
  text: string;
  encoding: ModelfileEncoding;
  /** Whether the file started with a byte order mark. */
  bom: boolean;
  /** MS1001 per invalid UTF-8 sequence (each decoded as U+FFFD), MS1011 for a truncated UTF-16 file. */
  diagnostics: Diagnostic[];
}

/**
 * Bytes to text, the way Ollama reads a Modelfile (`unicode.BOMOverride` over a
 * UTF-8 decoder): a UTF-8 BOM is dropped, a UTF-16 LE or BE BOM selects UTF-16,
 * anything else is UTF-8. Beyond Ollama, UTF-16 without a BOM is recognised when
 * its zero bytes give it away (a Modelfile is mostly ASCII: every other byte is 0).
 *
 * Never throws: invalid UTF-8 decodes to U+FFFD (WHATWG rules, one per maximal
 * bad subsequence) and each occurrence gets an MS1001 error at its position.
 */
export function decodeModelfile(bytes: Uint8Array, file?: string): DecodedModelfile {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return decodeUtf8(bytes.subarray(3), true, file);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeUtf16(bytes.subarray(2), "utf-16le", true, file);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decodeUtf16(bytes.subarray(2), "utf-16be", true, file);
  const guess = guessBomlessUtf16(bytes);
  if (guess) return decodeUtf16(bytes, guess, false, file);
  return decodeUtf8(bytes, false, file);
}

/**
 * UTF-16 without a BOM: at least two code units, no zero byte on one side and
 * zero bytes on the other side in at least half of the (first 4096) units.
 * UTF-8 text of a Modelfile never holds NUL bytes, so this cannot misfire on it.
 */
function guessBomlessUtf16(bytes: Uint8Array): "utf-16le" | "utf-16be" | undefined {
  const n = Math.min(bytes.length, 8192) & ~1;
  if (n < 4) return undefined;
  let zeroEven = 0;
  let zeroOdd = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) zeroEven++;
    if (bytes[i + 1] === 0) zeroOdd++;
  }
  const units = n / 2;
  if (zeroEven === 0 && zeroOdd * 2 >= units) return "utf-16le";
  if (zeroOdd === 0 && zeroEven * 2 >= units) return "utf-16be";
  return undefined;
}

function decodeUtf16(body: Uint8Array, encoding: "utf-16le" | "utf-16be", bom: boolean, file?: string): DecodedModelfile {
  const even = body.subarray(0, body.length & ~1);
  let units: Uint8Array = even;
  if (encoding === "utf-16be") {
    units = new Uint8Array(even.length);
    for (let i = 0; i < even.length; i += 2) {
      units[i] = even[i + 1]!;
      units[i + 1] = even[i]!;
    }
  }
  const text = new TextDecoder("utf-16le", { ignoreBOM: true }).decode(units);
  const diagnostics: Diagnostic[] = [];
  if (body.length % 2 === 1) {
    const end = new LineIndex(text).range(text.length, text.length);
    diagnostics.push(error("MS1011", `the ${encoding.toUpperCase()} file has an odd number of bytes; the last byte was dropped`, { file, range: end }));
  }
  return { text, encoding, bom, diagnostics };
}

function decodeUtf8(body: Uint8Array, bom: boolean, file?: string): DecodedModelfile {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body), encoding: "utf-8", bom, diagnostics: [] };
  } catch {
    const { text, bad } = decodeUtf8Lenient(body);
    const index = new LineIndex(text);
    const diagnostics = bad.map(({ offset, byte }) =>
      error("MS1001", `invalid UTF-8 byte 0x${byte.toString(16).padStart(2, "0").toUpperCase()}`, {
        file,
        range: index.range(offset, offset + 1),
        hint: "save the file as UTF-8; the byte is shown as U+FFFD",
      }),
    );
    return { text, encoding: "utf-8", bom, diagnostics };
  }
}

/** WHATWG's UTF-8 decoder, recording the text offset and first byte of each replacement. */
function decodeUtf8Lenient(bytes: Uint8Array): { text: string; bad: { offset: number; byte: number }[] } {
  const out: string[] = [];
  let length = 0;
  const bad: { offset: number; byte: number }[] = [];
  let codePoint = 0;
  let needed = 0;
  let seen = 0;
  let lower = 0x80;
  let upper = 0xbf;
  let first = 0;
  const emit = (cp: number) => {
    const s = String.fromCodePoint(cp);
    out.push(s);
    length += s.length;
  };
  const fail = (byte: number) => {
    bad.push({ offset: length, byte });
    emit(0xfffd);
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (needed === 0) {
      if (b <= 0x7f) emit(b);
      else if (b >= 0xc2 && b <= 0xdf) [needed, codePoint, first] = [1, b & 0x1f, b];
      else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
        [needed, codePoint, first] = [2, b & 0xf, b];
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        [needed, codePoint, first] = [3, b & 0x7, b];
      } else fail(b);
      continue;
    }
    if (b < lower || b > upper) {
      [codePoint, needed, seen, lower, upper] = [0, 0, 0, 0x80, 0xbf];
      fail(first);
      i--; // the byte starts over as the first of a sequence
      continue;
    }
    [lower, upper] = [0x80, 0xbf];
    codePoint = (codePoint << 6) | (b & 0x3f);
    if (++seen === needed) {
      emit(codePoint);
      [codePoint, needed, seen] = [0, 0, 0];
    }
  }
  if (needed !== 0) fail(first);
  return { text: out.join(""), bad };
}
