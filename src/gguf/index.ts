export * from "./codes.js";
export * from "./valueTypes.js";
export * from "./tensorTypes.js";
export * from "./fileTypes.js";
export * from "./source.js";
export * from "./reader.js";
export * from "./writer.js";
export * from "./floats.js";
