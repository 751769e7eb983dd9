export * from "./diagnostic.js";
export * from "./errors.js";
export * from "./position.js";
export * from "./registry.js";
export * from "./render.js";
export * from "./suggest.js";
