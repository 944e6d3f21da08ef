export { ServerProcess, WARDEN_COMMAND, type ServerProcessPorts, type ServerProcessOptions } from "./server-process.js";
