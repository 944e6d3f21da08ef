// admin.portUnification: HTTP and HTTPS on one port, as ZooKeeper's UnifiedConnectionFactory.
// A TCP server waits for a connection's first bytes and hands the connection to the HTTPS
// server when they open a TLS handshake (0x16), else to the HTTP one. Node's TLS reads from
// the socket's handle, where bytes already read cannot be put back: the HTTPS server gets a
// stream that replays them and then relays the socket.
import { Duplex } from "node:stream";
import { createServer, type Server, type Socket } from "node:net";
import type { Server as HttpServer } from "node:http";
import type { ListenerReporter } from "../net/connection.js";

/** A TLS record of type handshake starts with this byte (ZooKeeper's unification looks at it too). */
const TLS_HANDSHAKE_BYTE = 0x16;

export function unifiedFront(
  http: HttpServer,
  https: HttpServer,
  reporter: ListenerReporter,
  rawSockets: Set<Socket>,
  firstByteTimeoutMs: number,
): Server {
  return createServer((socket) => {
    rawSockets.add(socket);
    socket.on("close", () => rawSockets.delete(socket));
    socket.on("error", () => socket.destroy());
    // A connection that sends nothing holds a slot: it must speak within the handshake bound.
    const silent = setTimeout(() => {
      reporter.log(
        `closing admin connection ${(socket.remoteAddress ?? "?").replace(/^::ffff:/, "")}:${socket.remotePort ?? "?"}: handshake_timeout: nothing sent within ${firstByteTimeoutMs} ms`,
      );
      reporter.closed("admin", "handshake_timeout");
      socket.destroy();
    }, firstByteTimeoutMs);
    socket.once("close", () => clearTimeout(silent));
    socket.once("data", (first: Buffer) => {
      clearTimeout(silent);
      socket.pause();
      if (first[0] === TLS_HANDSHAKE_BYTE) {
        https.emit("connection", replaying(socket, first));
      } else {
        socket.unshift(first);
        http.emit("connection", socket);
      }
      socket.resume();
    });
  });
}

/** A duplex stream that yields `first`, then what `socket` reads, and writes to `socket`; it looks like the socket to the listeners. */
function replaying(socket: Socket, first: Buffer): Duplex {
  const stream = new Duplex({
    read: () => void socket.resume(),
    write: (chunk: Buffer, _encoding, done) => void socket.write(chunk, done),
    final: (done) => void socket.end(done),
    destroy: (error, done) => {
      socket.destroy();
      done(error);
    },
  });
  stream.push(first);
  socket.on("data", (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on("end", () => stream.push(null));
  socket.on("close", () => stream.destroy());
  // What the listeners read of a socket: its address (logs, the handshake count) and its idle timeout.
  return Object.assign(stream, {
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
    remoteFamily: socket.remoteFamily,
    setTimeout: (ms: number, onTimeout?: () => void) => socket.setTimeout(ms, onTimeout),
  });
}
