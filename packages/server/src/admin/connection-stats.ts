// One client connection's figures as ZooKeeper's ServerCnxn keeps them (cons, crst): packets
// each way, and the last operation answered with its cxid, zxid, time and latency.

/** ZooKeeper's short name of each operation in cons' `lop` (FinalRequestProcessor's lastOp). */
const LAST_OP: Readonly<Record<string, string>> = {
  ping: "PING",
  create: "CREA",
  delete: "DELE",
  setData: "SETD",
  setACL: "SETA",
  closeSession: "CLOS",
  sync: "SYNC",
  check: "CHEC",
  exists: "EXIS",
  getData: "GETD",
  getConfig: "GETD",
  setWatches: "SETW",
  addWatch: "ADDW",
  getACL: "GETA",
  getChildren: "GETC",
  getAllChildrenNumber: "GETACN",
  removeWatches: "REMW",
  whoAmI: "HOMI",
  getEphemerals: "GETE",
  multi: "MULT",
  multiRead: "MLTR",
};

export function lastOpName(op: string): string {
  return LAST_OP[op] ?? "NA";
}

export class ConnectionStats {
  /** Wall-clock time the connection was accepted (cons' `est`). */
  readonly establishedMs = Date.now();
  received = 0;
  sent = 0;
  lastOp = "NA";
  /** -1 until a request with a real xid (not a ping's or a notification's) is answered. */
  lastCxid = -1;
  lastZxid = -1n;
  /** Monotonic milliseconds (performance.now()) of the last response, as ZooKeeper's elapsed time. */
  lastResponseMs = 0;
  lastLatencyMs = 0;
  private latencyMsMinSeen = Infinity;
  latencyMsMax = 0;
  private count = 0;
  private totalLatencyMs = 0;

  /** A response went out (ZooKeeper's updateStatsForResponse). */
  responded(cxid: number, zxid: bigint, op: string, startedMs: number, endMs: number): void {
    if (cxid >= 0) this.lastCxid = cxid;
    this.lastZxid = zxid;
    this.lastOp = lastOpName(op);
    this.lastResponseMs = Math.round(endMs);
    const latencyMs = Math.round(endMs - startedMs);
    this.lastLatencyMs = latencyMs;
    if (latencyMs < this.latencyMsMinSeen) this.latencyMsMinSeen = latencyMs;
    if (latencyMs > this.latencyMsMax) this.latencyMsMax = latencyMs;
    this.count++;
    this.totalLatencyMs += latencyMs;
  }

  get latencyMsMin(): number {
    return this.latencyMsMinSeen === Infinity ? 0 : this.latencyMsMinSeen;
  }
  /** Whole milliseconds, as ZooKeeper's (a long division). */
  get latencyMsAvg(): number {
    return this.count === 0 ? 0 : Math.floor(this.totalLatencyMs / this.count);
  }

  /** crst: ZooKeeper's resetStats. */
  reset(): void {
    this.received = 0;
    this.sent = 0;
    this.lastOp = "NA";
    this.lastCxid = -1;
    this.lastZxid = -1n;
    this.lastResponseMs = 0;
    this.lastLatencyMs = 0;
    this.latencyMsMinSeen = Infinity;
    this.latencyMsMax = 0;
    this.count = 0;
    this.totalLatencyMs = 0;
  }
}
