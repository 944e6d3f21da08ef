// A connection's SASL exchange (ZooKeeperServer.processSasl) and the enforcement of
// authentication (AuthenticationHelper.enforceAuthentication), apart from the handler.
//
// A SASL token is judged when it arrives, as ZooKeeper judges it in processPacket, so the
// identity holds for every request received after it; its reply keeps its place in the
// session's order. A failed round is answered AUTHFAILED (SESSIONCLOSEDREQUIRESASLAUTH when
// SASL is required) with a null token, and the connection closes, as in ZooKeeper; with
// allowSaslFailedClients (and SASL not required) it is answered OK with a null token instead.
import { ErrorCode, type Request } from "@warden/protocol";
import { DigestMd5Server } from "../auth/digest-md5.js";
import { SaslError } from "../auth/sasl-directives.js";
import type { SaslUsers } from "../auth/sasl-users.js";
import type { ServerConfig } from "../config/index.js";
import { IDENTITIES_PER_SESSION_MAX, type LocalSession, type Reply } from "./local-session.js";

type Answer = Omit<Reply, "startedMs" | "op">;

export class SaslExchange {
  private server: DigestMd5Server | undefined;

  constructor(
    private readonly users: SaslUsers | undefined,
    private readonly config: Pick<ServerConfig, "saslSuperUsers" | "enforceAuthSchemes" | "allowSaslFailedClients">,
    private readonly log: (line: string) => void,
    private readonly remote: string,
  ) {}

  /** One round on session `s`: its answer, and on the last round the session's new identity. */
  round(s: LocalSession, xid: number, token: Uint8Array | null): Answer {
    try {
      if (!this.users) throw new SaslError("SASL is not configured on this server (jaasLoginConfig)");
      if (token === null) throw new SaslError("a null token");
      const users = this.users;
      this.server ??= new DigestMd5Server({ passwordOf: (user) => users.passwords.get(user) });
      const step = this.server.evaluate(token);
      if (step.complete) {
        if (s.identities.length >= IDENTITIES_PER_SESSION_MAX)
          throw new SaslError(`the session already holds ${IDENTITIES_PER_SESSION_MAX} identities`);
        this.authenticated(s, step.user);
      }
      return { xid, zxid: 0n, err: ErrorCode.OK, response: { type: "sasl", token: step.token } };
    } catch (e) {
      if (!(e instanceof SaslError)) throw e;
      const failed = `session 0x${s.sessionId.toString(16)} from ${this.remote}: SASL DIGEST-MD5 authentication failed: ${e.message}`;
      const required = this.config.enforceAuthSchemes.includes("sasl");
      if (this.config.allowSaslFailedClients && !required) {
        this.log(`${failed}; the connection goes on without an identity (allowSaslFailedClients)`);
        return { xid, zxid: 0n, err: ErrorCode.OK, response: { type: "sasl", token: null } };
      }
      this.log(`${failed}; closing the connection`);
      const err = required ? ErrorCode.SESSION_CLOSED_REQUIRE_SASL_AUTH : ErrorCode.AUTH_FAILED;
      return { xid, zxid: 0n, err, response: undefined, thenClose: "authFailed" };
    }
  }

  private authenticated(s: LocalSession, user: string): void {
    s.identities.push({ scheme: "sasl", id: user });
    const superuser = this.config.saslSuperUsers.includes(user);
    if (superuser) s.superuser = true;
    this.log(
      `session 0x${s.sessionId.toString(16)} from ${this.remote}: SASL DIGEST-MD5 authenticated sasl:${user}${superuser ? " (a superUser)" : ""}`,
    );
  }
}

/**
 * The answer to a request from a session that has none of the identities enforce.auth
 * requires (auth and SASL rounds are exempt), or undefined when it may go on.
 */
export function enforcementRefusal(
  config: Pick<ServerConfig, "enforceAuthSchemes">,
  s: LocalSession,
  xid: number,
  request: Request,
): Answer | undefined {
  const schemes = config.enforceAuthSchemes;
  if (schemes.length === 0 || request.type === "auth" || request.type === "sasl") return undefined;
  if (s.identities.some((id) => schemes.includes(id.scheme))) return undefined;
  return { xid, zxid: 0n, err: ErrorCode.SESSION_CLOSED_REQUIRE_SASL_AUTH, response: undefined, thenClose: "authRequired" };
}
