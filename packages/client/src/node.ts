// Node entry (`@warden/client/node`): the ws transport, imported statically.
import WebSocket from "ws";
import { webSocketTransport, type Transport } from "./transport.js";

export function nodeTransport(): Transport {
  return webSocketTransport(WebSocket as unknown as new (url: string) => unknown);
}
