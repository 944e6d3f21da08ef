// The transport a client gets when it names none: the global WebSocket when there is one
// (browsers, Deno, Node with --experimental-websocket), else `ws`, loaded on demand.
import { webSocketTransport, type Transport, type WebSocketConstructor } from "./transport.js";
import type { TlsOptions } from "./options.js";

// A specifier in a variable: bundlers leave this import alone, so a browser bundle never
// contains ws; Node resolves it from this package's dependencies.
const NODE_WEBSOCKET_MODULE = "ws";

/**
 * `tls` (certificates, CAs) can only be given to Node's ws: with it the global WebSocket is
 * passed over, and where ws cannot be loaded (a browser, which uses its own trust store) the
 * client fails with that reason.
 */
export async function defaultTransport(tls?: TlsOptions): Promise<Transport> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof global === "function" && tls === undefined) return webSocketTransport(global);
  let ws: { WebSocket?: WebSocketConstructor; default?: WebSocketConstructor };
  try {
    ws = (await import(/* @vite-ignore */ NODE_WEBSOCKET_MODULE)) as typeof ws;
  } catch (e) {
    if (tls !== undefined)
      throw new Error(
        `the tls option needs Node's ws module (in a browser, wss:// uses the browser's own certificates): ${(e as Error).message}`,
      );
    throw e;
  }
  const WebSocketClass = ws.WebSocket ?? ws.default;
  if (typeof WebSocketClass !== "function") throw new Error("no WebSocket: none global, and the ws module has none");
  return webSocketTransport(WebSocketClass, tls === undefined ? undefined : { ...tls });
}
