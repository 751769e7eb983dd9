import fc from "fast-check";
import type { Reference } from "../../src/resolve/reference.js";

/**
 * fast-check arbitraries for references of every form, each already in the
 * shape parseReference returns (defaults filled in, canonical URL). Project
 * references use the models `chat` and `coder-2`.
 */
/** A host the WHATWG URL parser takes as a name: the last label is not a number. */
const urlHost = fc
  .tuple(fc.array(fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,6}[a-z0-9])?$/), { maxLength: 2 }), fc.stringMatching(/^[a-z]{2,6}$/), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
  .map(([labels, tld, port]) => [...labels, tld].join(".") + (port === undefined ? "" : `:${port}`));
export const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const digest = fc.option(hex64.map((h) => `sha256:${h}` as const), { nil: undefined });
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,6}[a-z0-9])?$/);
const host = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
  .map(([labels, port]) => labels.join(".") + (port === undefined ? "" : `:${port}`));
const noDoubleDot = (s: string) => !s.includes("..");
const part = (rest: string) => fc.stringMatching(new RegExp(`^[A-Za-z0-9_][${rest}]{0,12}$`)).filter(noDoubleDot);
const tag = part("A-Za-z0-9_.-");

/** Adds `digest` only when set, as the parser does. */
function pin<T extends object>(r: T, d: `sha256:${string}` | undefined): T {
  return d === undefined ? r : { ...r, digest: d };
}

const fileRef = fc
  .tuple(fc.constantFrom("./", "../", "/", "~/", "../../"), fc.array(fc.stringMatching(/^(?:[a-z0-9_][a-z0-9_. -]{0,8}[a-z0-9_]|[a-z0-9_])$/).filter(noDoubleDot), { minLength: 1, maxLength: 4 }), digest)
  .map(([prefix, segs, d]) => pin({ kind: "file" as const, path: prefix + segs.join("/") }, d));

const ollamaRef = fc
  .tuple(host, part("A-Za-z0-9_-"), part("A-Za-z0-9_.-"), tag, digest)
  .map(([h, namespace, model, t, d]) => pin({ kind: "ollama" as const, host: h, namespace, model, tag: t }, d));

const repoId = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,10}[A-Za-z0-9])?$/).filter((s) => !s.includes("--") && noDoubleDot(s));
const hfRef = fc
  .tuple(
    repoId,
    repoId,
    fc.array(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,10}$/).filter(noDoubleDot), { minLength: 1, maxLength: 3 }),
    fc.oneof(fc.constant("main"), fc.stringMatching(/^[0-9a-f]{40}$/), fc.constant("refs/pr/12"), fc.constant("v1.0")),
    digest,
  )
  .map(([org, repo, file, revision, d]) => pin({ kind: "hf" as const, org, repo, file: file.join("/"), revision }, d));

const hfRepoRef = fc
  .tuple(repoId.filter((r) => !/\.(gguf|safetensors|bin|json)$/i.test(r)), repoId.filter((r) => !/\.(gguf|safetensors|bin|json)$/i.test(r)), fc.oneof(fc.constant("main"), fc.stringMatching(/^[0-9a-f]{40}$/), fc.constant("refs/pr/12")), digest)
  .map(([org, repo, revision, d]) => pin({ kind: "hfrepo" as const, org, repo, revision }, d));

const urlRef = fc
  .tuple(
    fc.constantFrom("https://", "http://127.0.0.1:8080/", "http://localhost/"),
    urlHost,
    fc.array(fc.stringMatching(/^[A-Za-z0-9_.~%!$&'()*+,;=:@-]{1,8}$/), { maxLength: 3 }),
    fc.option(fc.stringMatching(/^[A-Za-z0-9_=&.-]{0,10}$/), { nil: undefined }),
    digest,
  )
  .map(([scheme, h, path, query, d]) => {
    const base = scheme === "https://" ? `https://${h}/` : scheme;
    return pin({ kind: "url" as const, url: new URL(base + path.join("/") + (query === undefined ? "" : `?${query}`)).href }, d);
  })
  .filter((r) => !r.url.endsWith("@") && !/@sha256/i.test(r.url));

const component = fc.stringMatching(/^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+){0,2}$/);
const ociRef = fc
  .tuple(host, fc.array(component, { minLength: 1, maxLength: 3 }), fc.option(tag, { nil: undefined }), digest)
  .filter(([, , t, d]) => t !== undefined || d !== undefined)
  .map(([h, comps, t, d]) => {
    const base = { kind: "oci" as const, host: h, repository: comps.join("/") };
    return pin(t === undefined ? base : { ...base, tag: t }, d);
  });

const projectRef = fc
  .tuple(fc.constantFrom("chat", "coder-2"), fc.option(tag, { nil: undefined }), digest)
  .map(([model, t, d]) => pin(t === undefined ? { kind: "project" as const, model } : { kind: "project" as const, model, tag: t }, d));

const randomRef = fc
  .tuple(
    fc.constantFrom(1, 2, 4, 8),
    fc.integer({ min: 1, max: 16 }),
    fc.integer({ min: 1, max: 8 }),
    fc.integer({ min: 1, max: 4096 }),
    fc.integer({ min: 260, max: 5000 }),
    fc.integer({ min: 1, max: 8192 }),
    fc.nat({ max: 2 ** 32 - 1 }),
    fc.constantFrom("f32" as const, "f16" as const),
    digest,
  )
  .map(([heads, half, layers, ff, vocab, ctxLen, seed, type, d]) => {
    const kv = [1, 2, 4, 8].filter((k) => heads % k === 0).at(seed % 2 === 0 ? 0 : -1)!;
    const params = { embd: heads * half * 2, layers, heads, kv, ff, vocab, ctx: ctxLen, seed, type };
    return pin({ kind: "testmodel" as const, generator: "random" as const, params }, d);
  });

const WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];
const oracleRef = fc
  .tuple(fc.shuffledSubarray(WORDS, { minLength: 2 }), fc.boolean(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 1024 }), fc.integer({ min: 1, max: 4096 }), fc.constantFrom("f32" as const, "f16" as const), digest)
  .map(([words, eos, layers, ff, ctxLen, type, d]) =>
    pin({ kind: "testmodel" as const, generator: "oracle" as const, params: { text: words.join(" "), eos, layers, ff, ctx: ctxLen, type } }, d),
  );

export const reference: fc.Arbitrary<Reference> = fc.oneof(fileRef, ollamaRef, hfRef, hfRepoRef, urlRef, ociRef, projectRef, randomRef, oracleRef);

