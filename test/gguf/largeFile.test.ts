import assert from "node:assert/strict";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { encodeGgufHeader, GgmlType, gv, openFileSource, readGguf, type ByteSource } from "../../src/gguf/index.js";

test("a 6 GiB (sparse) file is read from its header alone", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gguf-big-"));
  try {
    const path = join(dir, "big.gguf");
    // Two tensors of 3 GiB each; the data is never generated, the file is made sparse.
    const n = 3 * 2 ** 30 / 4;
    const layout = encodeGgufHeader({
      metadata: [["general.name", gv.str("big")]],
      tensors: [
        { name: "a", dims: [n], type: GgmlType.F32, data: new Uint8Array(0) },
        { name: "b", dims: [1024, n / 1024], type: GgmlType.F32, data: new Uint8Array(0) },
      ],
    });
    await writeFile(path, layout.header);
    await truncate(path, layout.fileSize);
    const file = await openFileSource(path);
    let bytesRead = 0;
    const counting: ByteSource = {
      name: file.name,
      size: file.size,
      read: async (offset, length) => {
        const b = await file.read(offset, length);
        bytesRead += b.length;
        return b;
      },
    };
    try {
      const gguf = await readGguf(counting);
      assert.equal(gguf.fileSize, 6 * 2 ** 30 + layout.header.length);
      assert.deepEqual(gguf.tensors.map((t) => [t.name, t.size, t.offset]), [["a", 3 * 2 ** 30, 0], ["b", 3 * 2 ** 30, 3 * 2 ** 30]]);
      assert.ok(bytesRead <= 65536, `read ${bytesRead} bytes`);
    } finally {
      await file.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
