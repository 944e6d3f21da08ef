// The client ports while the server recovers its state. They listen from the start, before the
// snapshot and the log are read, as ZooKeeper binds its client port before it loads its data.
// Until the server opens the gate, a connection's handshake is held (a standalone server: there
// is no other server to try, so the client is answered the moment this one serves, instead of
// being refused and waiting out its client's back-off) or refused as NOT_SERVING (a member of
// an ensemble: its client tries another server at once, as when this one has no quorum). A held
// handshake is bounded as every handshake is: by the connection limits, the handshake's byte
// bound and clientHandshakeTimeoutMs. Four-letter words are answered as ZooKeeper answers them
// before its server runs.
import { CloseReason, type ConnectRequest, type Request } from "@warden/protocol";
import type { ServerConfig } from "../config/index.js";
import { notServingText, whitelisted } from "../admin/command-text.js";
import type { ClientConnection, ConnectionHandler, HandlerFactory } from "../net/connection.js";

/** What serves the client ports once the server has recovered. */
export interface ServingParts {
  readonly handlers: HandlerFactory;
  readonly fourLetterWord: (word: string) => string;
}

export class StartingGate {
  private serving: ServingParts | undefined;
  /** Handshakes held until the gate opens. */
  private readonly held = new Set<StartingHandler>();

  constructor(
    private readonly config: Pick<ServerConfig, "fourLetterWords">,
    /** Hold handshakes until the gate opens (a standalone server); else refuse them. */
    readonly holdsHandshakes: boolean,
  ) {}

  /** The listeners' handler factory: the serving one once the gate is open. */
  readonly handlers: HandlerFactory = (connection) =>
    this.serving ? this.serving.handlers(connection) : new StartingHandler(this, connection);

  /** The listeners' four-letter words: before the gate opens, ZooKeeper's answers while its server does not run. */
  readonly fourLetterWord = (word: string): string =>
    this.serving ? this.serving.fourLetterWord(word) : whitelisted(this.config.fourLetterWords, word, notServingText);

  /** Handshakes held now (for tests and the start's figures). */
  get heldCount(): number {
    return this.held.size;
  }

  /** From now on the serving parts take every connection; the held handshakes are answered now, in arrival order. */
  open(serving: ServingParts): void {
    this.serving = serving;
    const held = [...this.held];
    this.held.clear();
    for (const h of held) h.handOver(serving);
  }

  /** The serving parts, once open. */
  get parts(): ServingParts | undefined {
    return this.serving;
  }

  hold(h: StartingHandler): void {
    this.held.add(h);
  }
  release(h: StartingHandler): void {
    this.held.delete(h);
  }
}

/** A connection accepted before the gate opened: its handshake waits for it, or is refused. */
class StartingHandler implements ConnectionHandler {
  private handler: ConnectionHandler | undefined;
  private request: ConnectRequest | undefined;

  constructor(
    private readonly gate: StartingGate,
    private readonly connection: ClientConnection,
  ) {}

  onConnect(request: ConnectRequest): void {
    const serving = this.gate.parts;
    if (serving) return this.start(serving, request);
    if (!this.gate.holdsHandshakes) return this.connection.close(CloseReason.NOT_SERVING, "this server is starting; try another");
    this.request = request;
    this.gate.hold(this);
  }

  handOver(serving: ServingParts): void {
    const request = this.request;
    this.request = undefined;
    if (request !== undefined && !this.connection.closed) this.start(serving, request);
  }

  private start(serving: ServingParts, request: ConnectRequest): void {
    this.handler = serving.handlers(this.connection);
    this.handler.onConnect(request);
  }

  // Reading stops at the ConnectRequest until it is answered: nothing else comes before the handler does.
  onRequest(xid: number, request: Request): void {
    if (this.handler) this.handler.onRequest(xid, request);
    else this.connection.fail("internal_error", "a request before the handshake was answered");
  }
  onInvalid(xid: number, err: number, closeSession: boolean): void {
    if (this.handler) this.handler.onInvalid(xid, err, closeSession);
    else this.connection.fail("internal_error", "a request before the handshake was answered");
  }
  onWritable(): void {
    this.handler?.onWritable();
  }
  onClose(): void {
    this.gate.release(this);
    this.handler?.onClose();
  }
}
