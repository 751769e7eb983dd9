/**
 * Reads the pieces of a SentencePiece model (tokenizer.model), a protobuf
 * `ModelProto` (https://github.com/google/sentencepiece/blob/master/src/sentencepiece_model.proto):
 * field 1 is the repeated `SentencePiece { string piece = 1; float score = 2; Type type = 3 [default = NORMAL]; }`.
 * Everything else (trainer and normalizer specs) is skipped. A small reader of
 * the protobuf wire format, written here since only these three fields matter.
 */
import { error, InputError } from "../diagnostics/index.js";

/** sentencepiece_model.proto `SentencePiece.Type`. */
export const SpmPieceType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface SpmPiece {
  piece: string;
  score: number;
  type: number;
}

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array, private readonly fail: (m: string) => never) {}
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.buf.length) this.fail(`varint runs past the end at byte ${this.pos}`);
      const b = this.buf[this.pos++]!;
      if (shift < 53) result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 70) this.fail(`varint longer than 10 bytes at byte ${this.pos}`);
    }
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) this.fail(`field of ${n} bytes at byte ${this.pos} runs past the end (${this.buf.length} bytes)`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.bytes(8);
    else if (wire === 2) this.bytes(this.varint());
    else if (wire === 5) this.bytes(4);
    else this.fail(`unsupported protobuf wire type ${wire} at byte ${this.pos}`);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** The pieces of tokenizer.model, in id order. `file` names it in errors. */
export function readSpmPieces(bytes: Uint8Array, file: string): SpmPiece[] {
  const fail = (m: string): never => {
    throw new InputError(error("MS3207", `${file}: not a SentencePiece model (${m})`, { file, hint: "Copy tokenizer.model from the model's repository again." }));
  };
  const r = new Reader(bytes, fail);
  const pieces: SpmPiece[] = [];
  while (r.pos < bytes.length) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field !== 1 || wire !== 2) {
      r.skip(wire);
      continue;
    }
    const msg = new Reader(r.bytes(r.varint()), fail);
    const p: SpmPiece = { piece: "", score: 0, type: SpmPieceType.NORMAL };
    while (msg.pos < msg.buf.length) {
      const k = msg.varint();
      const f = Math.floor(k / 8);
      const w = k & 7;
      if (f === 1 && w === 2) p.piece = utf8.decode(msg.bytes(msg.varint()));
      else if (f === 2 && w === 5) {
        const b = msg.bytes(4);
        p.score = new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
      } else if (f === 3 && w === 0) p.type = msg.varint();
      else msg.skip(w);
    }
    pieces.push(p);
  }
  if (pieces.length === 0) fail("no pieces");
  return pieces;
}
