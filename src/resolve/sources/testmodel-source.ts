import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { error } from "../../diagnostics/diagnostic.js";
import { EnvironmentError } from "../../diagnostics/errors.js";
import { digestOf } from "../../lock/canonical-json.js";
import { writeTestModel } from "../../testmodels/writeTestModel.js";
import { storeWriteError } from "../../store/io-error.js";
import { testModelSpec } from "../testmodel-spec.js";
import { withActivity } from "../../progress/activity.js";
import { formatReference } from "../format-reference.js";
import { parseReference } from "../reference.js";
import type { Sha256Digest, TestModelReference } from "../reference-types.js";
import { pinMismatch } from "./file-source.js";
import { blobInStore, type Pin, type Source, type SourceContext } from "./pin.js";

/**
 * Bumped when the generators change their bytes, so that cached digests of an
 * older generator are not trusted.
 */
const GENERATOR_VERSION = 1;

/**
 * `testmodel://oracle|random?…`: modelsmith's deterministic test models. The
 * model is generated into a temp file under the store, ingested (hardlink, so
 * no copy), and the temp name removed; the digest is that of the generated
 * bytes. The locator is the canonical reference without a pin (the generator
 * and its parameters are the whole recipe). A record under
 * `<store>/cache/testmodels/` maps the recipe to its digest, so a rebuild does
 * not generate a model whose blob the store already holds.
 */
export const testModelSource: Source<TestModelReference> = {
  async resolve(ref, ctx) {
    const locator = formatReference({ ...ref, digest: undefined });
    const blob = (await cached(locator, ctx)) ?? (await generate(ref, locator, ctx));
    if (ref.digest !== undefined && ref.digest !== blob.digest) throw pinMismatch(locator, ref.digest, blob.digest, ctx);
    return { source: formatReference(ref), locator, ...blob };
  },
  async fetch(pin, ctx) {
    if (await blobInStore(pin, ctx)) return;
    const ref = parseReference(pin.locator).reference;
    if (ref?.kind !== "testmodel") throw new EnvironmentError(error("MS5202", `cannot generate ${pin.locator}`, ctx.at));
    const blob = await generate(ref, pin.locator, ctx);
    if (blob.digest !== pin.digest) throw pinMismatch(pin.locator, pin.digest, blob.digest, ctx);
  },
};

interface Blob {
  digest: Sha256Digest;
  size: number;
}

function recordPath(locator: string, ctx: SourceContext): string {
  const key = digestOf({ generator: GENERATOR_VERSION, locator }).slice("sha256:".length);
  return path.join(ctx.store.root, "cache", "testmodels", `${key}.json`);
}

async function cached(locator: string, ctx: SourceContext): Promise<Blob | undefined> {
  try {
    const rec = JSON.parse(await readFile(recordPath(locator, ctx), "utf8")) as Partial<Blob>;
    if (typeof rec.digest !== "string" || typeof rec.size !== "number") return undefined;
    return (await ctx.store.hasBlob(rec.digest)) ? { digest: rec.digest as Sha256Digest, size: rec.size } : undefined;
  } catch {
    return undefined;
  }
}

async function generate(ref: TestModelReference, locator: string, ctx: SourceContext): Promise<Blob> {
  const tmpDir = ctx.store.layout.tmpDir;
  await mkdir(tmpDir, { recursive: true });
  const tmp = path.join(tmpDir, `testmodel-${process.pid}-${randomBytes(6).toString("hex")}.gguf`);
  try {
    // The recipe's query can be long: the progress label names the generator only.
    await withActivity(ctx.activity, `generate ${locator.split("?")[0]}`, "bytes", (onProgress) => writeTestModel(tmp, testModelSpec(ref), onProgress)).catch((err: unknown) => {
      throw storeWriteError("write the test model", tmp, err);
    });
    const { digest, size } = await ctx.store.ingestFile(tmp, { methods: ["hardlink", "copy"], consume: true });
    const record = recordPath(locator, ctx);
    await mkdir(path.dirname(record), { recursive: true });
    await writeFile(record, `${JSON.stringify({ locator, digest, size })}\n`);
    return { digest, size };
  } finally {
    await rm(tmp, { force: true });
  }
}

export type { Pin };
