// A logging TCP proxy for recording ZooKeeper client traffic as test vectors.
//
//   node proxy.mjs <listenPort> <zkPort> <controlPort> <out.jsonl>
//
// Every frame (4-byte big-endian length + body) in either direction is appended to
// out.jsonl as {"label","conn","dir":"c2s"|"s2c","hex"} with the length prefix included.
// The control port takes one line per connection:
//   "label NAME"  frames that follow are recorded under NAME
//   "drop"        closes every proxied client connection (forces a client reconnect,
//                 which makes the client send setWatches)
// Four-letter words are not framed: a connection whose first 4 bytes are one is
// recorded raw, both directions, as one "hex" chunk per read.
import net from "node:net";
import fs from "node:fs";

const [listenPort, zkPort, controlPort, outPath] = process.argv.slice(2);
const out = fs.createWriteStream(outPath, { flags: "a" });
let label = "unlabelled";
let connSeq = 0;
const live = new Set();

function record(conn, dir, bytes) {
  out.write(`${JSON.stringify({ label, conn, dir, hex: bytes.toString("hex") })}\n`);
}

/** Splits a byte stream into length-prefixed frames, recording each whole frame. */
function framer(conn, dir, state) {
  let pending = Buffer.alloc(0);
  let first = dir === "c2s";
  return (chunk) => {
    if (state.raw) return record(conn, `${dir}-raw`, chunk);
    pending = Buffer.concat([pending, chunk]);
    if (first && pending.length >= 4) {
      first = false;
      if (/^[a-z]{4}$/.test(pending.subarray(0, 4).toString("latin1"))) {
        state.raw = true;
        record(conn, `${dir}-raw`, pending);
        return;
      }
    }
    while (pending.length >= 4) {
      const len = pending.readInt32BE(0);
      if (len < 0 || pending.length < 4 + len) break;
      record(conn, dir, pending.subarray(0, 4 + len));
      pending = pending.subarray(4 + len);
    }
  };
}

net
  .createServer((client) => {
    const conn = ++connSeq;
    const server = net.connect(Number(zkPort), "127.0.0.1");
    live.add(client);
    const state = { raw: false };
    const c2s = framer(conn, "c2s", state);
    const s2c = framer(conn, "s2c", state);
    client.on("data", (d) => {
      c2s(d);
      server.write(d);
    });
    server.on("data", (d) => {
      s2c(d);
      client.write(d);
    });
    const close = () => {
      live.delete(client);
      client.destroy();
      server.destroy();
    };
    client.on("close", close).on("error", close);
    server.on("close", close).on("error", close);
  })
  .listen(Number(listenPort), "127.0.0.1");

net
  .createServer((ctl) => {
    let text = "";
    ctl.on("data", (d) => {
      text += d.toString();
      if (!text.includes("\n")) return;
      const line = text.trim();
      if (line.startsWith("label ")) label = line.slice(6);
      else if (line === "drop") for (const c of live) c.destroy();
      ctl.end("ok\n");
    });
  })
  .listen(Number(controlPort), "127.0.0.1");

process.on("SIGTERM", () => out.end(() => process.exit(0)));
