// @warden/console: the web console's pure parts (also used by the browser bundle), and where
// its built static files are (dist/www, served by every server's admin port at /console/).
export * from "./format.js";
export { treeRows, moveSelection, type TreeRow } from "./tree-rows.js";
export { serverRows, parseZxid, Series, type Poll, type ServerRow, type MonitorAnswer } from "./ensemble-model.js";
export { instanceView, type InstanceView } from "./registry-model.js";
export { sessionRows, parseAdminJson, type SessionRow } from "./sessions-model.js";
export { flattenJson } from "./commands-model.js";
