// The audit log (ZooKeeper's audit.enable): the server a client is connected to writes a line
// for each of its state-changing requests once the outcome is known, as ZooKeeper's
// FinalRequestProcessor does on the server that answers the client. The one hook is record().
import type { Id, Request, Response } from "@warden/protocol";
import type { MetricsRegistry } from "../admin/metrics.js";
import { RECONFIG_ENTRY, auditEntries, auditLine, type AuditEntry } from "./audit-event.js";
import type { AuditFile } from "./audit-file.js";

/** A request as the audit log sees it: a client's request, a session's creation, or a reconfig. */
export type AuditedRequest = Request | { type: "createSession" } | { type: "reconfig" };

export class AuditLog {
  constructor(
    private readonly file: AuditFile,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Lines for `request` of this session, answered `err` (0: `response` is the reply). Never throws. */
  record(
    session: { sessionId: bigint; identities: readonly Id[] },
    ip: string,
    request: AuditedRequest,
    err: number,
    response: Response | undefined,
  ): void {
    try {
      const entries: AuditEntry[] =
        request.type === "createSession"
          ? [{ operation: "createSession", result: err === 0 ? "success" : "failure" }]
          : request.type === "reconfig"
            ? [{ ...RECONFIG_ENTRY, result: err === 0 ? "success" : "failure" }]
            : auditEntries(request, err, response);
      if (entries.length === 0) return;
      const who = { sessionId: session.sessionId, identities: session.identities, ip };
      const timeMs = this.nowMs();
      for (const e of entries) this.file.append(auditLine(timeMs, who, e));
    } catch {
      // A line that cannot be built is a lost line, never a lost request.
      this.file.dropped++;
    }
  }

  registerGauges(registry: MetricsRegistry): void {
    registry.gauge("warden_audit_lines_written", "Audit log lines written to the file since start", () => this.file.written);
    registry.gauge(
      "warden_audit_lines_dropped",
      "Audit log lines dropped since start (the queue was full or a write failed)",
      () => this.file.dropped,
    );
  }

  /** Writes what is queued and closes the file. */
  close(): Promise<void> {
    return this.file.close();
  }
}
