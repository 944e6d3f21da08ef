// The transport a client gets when it names none: the global WebSocket when there is one
// (browsers, Deno, Node with --experimental-websocket), else `ws`, loaded on demand.
import { webSocketTransport, type Transport, type WebSocketConstructor } from "./transport.js";

// A specifier in a variable: bundlers leave this import alone, so a browser bundle never
// contains ws; Node resolves it from this package's dependencies.
const NODE_WEBSOCKET_MODULE = "ws";

export async function defaultTransport(): Promise<Transport> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof global === "function") return webSocketTransport(global);
  const ws = (await import(/* @vite-ignore */ NODE_WEBSOCKET_MODULE)) as { WebSocket?: WebSocketConstructor; default?: WebSocketConstructor };
  const WebSocketClass = ws.WebSocket ?? ws.default;
  if (typeof WebSocketClass !== "function") throw new Error("no WebSocket: none global, and the ws module has none");
  return webSocketTransport(WebSocketClass);
}
