export * from "./config.js";
export { KEYS, KEY_PREFIXES, lookupKey } from "./keys.js";
export { configurationTable, configurationDoc } from "./docs.js";
