export * from "./config.js";
export { KEYS, KEY_PREFIXES, lookupKey, NO_TLS } from "./keys.js";
export { configurationTable, configurationDoc } from "./docs.js";
