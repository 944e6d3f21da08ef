export * from "./codes.js";
export * from "./zxid.js";
export * from "./stat.js";
export * from "./acl.js";
export * from "./errors.js";
export * from "./path.js";
export * from "./messages.js";
export * from "./native/index.js";
export * as jute from "./jute/index.js";
