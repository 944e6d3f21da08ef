export * from "./config.js";
export { KEYS, configurationTable } from "./keys.js";
