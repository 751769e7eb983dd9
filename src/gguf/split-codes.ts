import { defineCodes } from "../diagnostics/index.js";

/** Diagnostics of split GGUF sets (`FROM ./model-00001-of-00003.gguf`, /api/create's `files`): MS3340–MS3349. */
export const SPLIT_CODES = defineCodes({
  MS3340: {
    title: "a part of a split GGUF is missing",
    example: "FROM ./model-00001-of-00003.gguf   # model-00003-of-00003.gguf not beside it",
    fix: "Put every part llama-gguf-split wrote beside the first, under the names it gave them.",
  },
  MS3341: {
    title: "the parts of a split GGUF do not fit together",
    example: "FROM ./model-00002-of-00003.gguf   # not the first part; or parts of two different splits",
    fix: "FROM the first part (…-00001-of-0000N.gguf), keep the names llama-gguf-split gave the parts, and use the parts of one run.",
  },
});
