export * from "./config.js";
export { KEYS } from "./keys.js";
