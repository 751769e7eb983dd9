export * from "./canonical-json.js";
export * from "./codes.js";
export * from "./diff.js";
export * from "./format-drift.js";
export * from "./lock.js";
export * from "./parse.js";
export * from "./serialize.js";
