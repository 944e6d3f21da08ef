// The peers the fuzzer impersonates also listen: the server under test dials each of them.
// Up, they accept its dial as a friendly acceptor (they know the secret and prove it) and
// discard what it sends (a follower that never answers); down, nobody listens (a crashed
// observer: the server queues for it). For a dialer-side case they answer with a mutated
// handshake for a while: another server's id, a wrong proof, an ok without its MAC...
import { createServer, type Server, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import * as format from "./peer-format.js";

export type DialReply =
  | "valid"
  | "garbage"
  | "no-nonce"
  | "nonce-not-bytes"
  | "huge-frame"
  | "ok-first"
  | "wrong-id"
  | "bad-proof"
  | "no-proof"
  | "dial-label"
  | "ok-untagged"
  | "valid-then-garbage"
  | "silent";

export interface DialAnswer {
  reply: DialReply;
  nonce: Uint8Array;
  garbage: Uint8Array;
}

const SINK: DialAnswer = { reply: "valid", nonce: new Uint8Array(16), garbage: new Uint8Array(0) };

export class ImpersonatedPeers {
  private servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private answer: DialAnswer = SINK;
  dials = 0;

  private constructor(
    private readonly ports: readonly number[],
    /** The server id each port stands for. */
    private readonly ids: readonly number[],
    private readonly secret: Uint8Array,
    private readonly up: boolean,
  ) {}

  static async start(ports: readonly number[], ids: readonly number[], secret: Uint8Array, up: boolean): Promise<ImpersonatedPeers> {
    const peers = new ImpersonatedPeers(ports, ids, secret, up);
    if (up) await peers.listen();
    return peers;
  }

  /** For `ms`, the server's dials get `answer`; its current connections are cut so it dials again. Returns the dials seen. */
  async answerFor(answer: DialAnswer, ms: number): Promise<number> {
    const before = this.dials;
    this.answer = answer;
    this.cut();
    if (!this.up) await this.listen();
    await sleep(ms);
    this.answer = SINK;
    this.cut();
    if (!this.up) await this.close();
    return this.dials - before;
  }

  async stop(): Promise<void> {
    this.cut();
    await this.close();
  }

  private async listen(): Promise<void> {
    this.servers = await Promise.all(
      this.ports.map(
        (port, i) =>
          new Promise<Server>((resolve) => {
            const server = createServer((s) => this.accept(s, this.ids[i]!));
            server.on("error", () => undefined);
            server.listen(port, "127.0.0.1", () => resolve(server));
          }),
      ),
    );
  }

  private async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.servers = [];
  }

  private cut(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private accept(s: Socket, myId: number): void {
    this.dials++;
    this.sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => this.sockets.delete(s));
    const a = this.answer;
    const frame = (v: unknown) => s.write(format.peerFrame(format.encodePeer(v)));
    const reader = new format.PeerFrameReader();
    let seen = 0;
    let dialer: { id: number; nonce: Uint8Array } | undefined;
    s.on("data", (chunk: Buffer) => {
      if (seen >= 2) return; // after the handshake: a sink
      for (const payload of reader.feed(chunk)) {
        seen++;
        if (seen === 1) {
          const hello = format.decodePeer(payload) as { id?: unknown; nonce?: unknown } | undefined;
          dialer = typeof hello?.id === "number" && hello.nonce instanceof Uint8Array ? { id: hello.id, nonce: hello.nonce } : undefined;
          this.challenge(a, myId, dialer, frame, s);
        } else if (seen === 2 && dialer && (a.reply === "valid" || a.reply === "valid-then-garbage" || a.reply === "ok-untagged")) {
          // No check of the server's proof: an acceptor that believes anyone.
          const ok = format.encodePeer(format.OK);
          if (a.reply === "ok-untagged") s.write(format.peerFrame(ok));
          else
            s.write(new format.Sealer(format.frameKey(this.secret, "acceptor->dialer", dialer.id, myId, dialer.nonce, a.nonce)).frame(ok));
          if (a.reply === "valid-then-garbage") s.write(format.peerFrame(a.garbage));
        }
        if (seen >= 2) return;
      }
    });
  }

  /** The answer to the server's hello that `a` asks for. */
  private challenge(
    a: DialAnswer,
    myId: number,
    dialer: { id: number; nonce: Uint8Array } | undefined,
    frame: (v: unknown) => void,
    s: Socket,
  ): void {
    const proof = (role: "accept" | "dial", acceptorId: number) =>
      dialer ? format.proofOf(this.secret, role, dialer.id, acceptorId, dialer.nonce, a.nonce) : new Uint8Array(32);
    const otherId = this.ids.find((id) => id !== myId) ?? myId + 1;
    if (a.reply === "garbage") s.write(a.garbage);
    else if (a.reply === "no-nonce") frame({ hello: 1 });
    else if (a.reply === "nonce-not-bytes") frame({ id: myId, nonce: "sixteen chars!!!", proof: proof("accept", myId) });
    else if (a.reply === "huge-frame") s.write(format.peerFrame(new Uint8Array(0), 0x7fffffff));
    else if (a.reply === "ok-first") frame(format.OK);
    else if (a.reply === "wrong-id") frame(format.challenge(otherId, a.nonce, proof("accept", otherId)));
    else if (a.reply === "bad-proof")
      frame(
        format.challenge(
          myId,
          a.nonce,
          proof("accept", myId).map((b) => b ^ 0x80),
        ),
      );
    else if (a.reply === "no-proof") frame(format.challenge(myId, a.nonce, undefined));
    else if (a.reply === "dial-label") frame(format.challenge(myId, a.nonce, proof("dial", myId)));
    else if (a.reply !== "silent") frame(format.challenge(myId, a.nonce, proof("accept", myId)));
  }
}
