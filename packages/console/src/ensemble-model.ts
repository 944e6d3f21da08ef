// The ensemble view's model, pure: one poll of every server's /commands/monitor turned into
// rows (role, zxid, lag behind the leader, latency, outstanding, watches, down) and into
// bounded series for the charts.

/** The fields of a monitor (mntr) answer the console reads. */
export interface MonitorAnswer {
  server_state?: string;
  zxid?: string | number;
  epoch?: number;
  avg_latency?: number;
  max_latency?: number;
  outstanding_requests?: number;
  watch_count?: number;
  packets_received?: number;
  num_alive_connections?: number;
  znode_count?: number;
  followers?: number;
  synced_followers?: number;
  global_sessions?: number;
}

export type Poll = { admin: string; atMs: number } & ({ up: true; monitor: MonitorAnswer } | { up: false; error: string });

export interface ServerRow {
  admin: string;
  up: boolean;
  error?: string;
  role: string;
  zxid: string;
  epoch: number | undefined;
  /** Transactions behind the leader (same epoch), undefined when not comparable. */
  lag: number | undefined;
  latencyMs: number | undefined;
  outstanding: number | undefined;
  watches: number | undefined;
  connections: number | undefined;
  alerts: string[];
}

/** A zxid from mntr ("0x100000003" or a number) as a bigint; undefined when absent. */
export function parseZxid(z: string | number | undefined): bigint | undefined {
  if (z === undefined) return undefined;
  try {
    return typeof z === "number" ? BigInt(z) : BigInt(z.startsWith("0x") ? z : `0x${z}`);
  } catch {
    return undefined;
  }
}

/** Lag past which a follower is flagged (transactions). */
export const LAG_ALERT = 1000;

export function serverRows(polls: readonly Poll[]): ServerRow[] {
  const leader = polls.find((p) => p.up && p.monitor.server_state === "leader");
  const leaderZxid = leader?.up ? parseZxid(leader.monitor.zxid) : undefined;
  const rows = polls.map((p): ServerRow => {
    if (!p.up)
      return {
        admin: p.admin,
        up: false,
        error: p.error,
        role: "down",
        zxid: "-",
        epoch: undefined,
        lag: undefined,
        latencyMs: undefined,
        outstanding: undefined,
        watches: undefined,
        connections: undefined,
        alerts: [`down: ${p.error}`],
      };
    const m = p.monitor;
    const z = parseZxid(m.zxid);
    const lag = z !== undefined && leaderZxid !== undefined && z >> 32n === leaderZxid >> 32n ? Number(leaderZxid - z) : undefined;
    const alerts: string[] = [];
    if (lag !== undefined && lag > LAG_ALERT) alerts.push(`lagging ${lag} transactions`);
    if (m.server_state === "looking") alerts.push("looking for a leader");
    return {
      admin: p.admin,
      up: true,
      role: m.server_state ?? "?",
      zxid: z !== undefined ? `0x${z.toString(16)}` : "-",
      epoch: m.epoch,
      lag: m.server_state === "leader" ? 0 : lag,
      latencyMs: m.avg_latency,
      outstanding: m.outstanding_requests,
      watches: m.watch_count,
      connections: m.num_alive_connections,
      alerts,
    };
  });
  if (!leader && polls.some((p) => p.up)) for (const r of rows) if (r.up && r.role !== "standalone") r.alerts.push("no leader reached");
  return rows;
}

/** Points kept per series: 5 minutes at one poll every 2 s. */
export const SERIES_POINTS_MAX = 150;

/** The charts' data: time, then one latency and one throughput series per server. */
export class Series {
  readonly times: number[] = [];
  readonly latency: Array<Array<number | null>>;
  readonly throughput: Array<Array<number | null>>;
  private last: Array<{ atMs: number; packets: number } | undefined>;

  constructor(readonly admins: readonly string[]) {
    this.latency = admins.map(() => []);
    this.throughput = admins.map(() => []);
    this.last = admins.map(() => undefined);
  }

  add(polls: readonly Poll[]): void {
    this.times.push(polls[0] ? polls[0].atMs / 1000 : Date.now() / 1000);
    polls.forEach((p, i) => {
      if (!p.up) {
        this.latency[i]!.push(null);
        this.throughput[i]!.push(null);
        this.last[i] = undefined;
        return;
      }
      this.latency[i]!.push(p.monitor.avg_latency ?? null);
      const packets = p.monitor.packets_received;
      const prev = this.last[i];
      this.throughput[i]!.push(
        prev && packets !== undefined && p.atMs > prev.atMs && packets >= prev.packets
          ? ((packets - prev.packets) * 1000) / (p.atMs - prev.atMs)
          : null,
      );
      this.last[i] = packets !== undefined ? { atMs: p.atMs, packets } : undefined;
    });
    if (this.times.length > SERIES_POINTS_MAX) {
      this.times.shift();
      for (const s of [...this.latency, ...this.throughput]) s.shift();
    }
  }
}
