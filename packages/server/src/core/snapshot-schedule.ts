// When a server begins its next snapshot, as ZooKeeper's SyncRequestProcessor decides it:
// once the txns since the last one pass a point drawn at random in the upper half of
// snapCount, or their bytes a point in the upper half of snapSizeLimitInKb. The servers of an
// ensemble apply the same txns; drawn points keep them from all writing a snapshot at the
// same moment (a latency spike for every write while a quorum's disks are busy), and a
// restart at a random moment replays 0.39 snapCount of log on average instead of 0.5.

export interface SnapshotLimits {
  /** snapCount: txns. */
  txns: number;
  /** snapSizeLimitInKb * 1024: bytes of txn records; 0 or less, no limit by bytes. */
  bytes: number;
}

export class SnapshotSchedule {
  private txnsPoint = 0;
  private bytesPoint = 0;

  constructor(
    readonly limits: SnapshotLimits,
    /** Uniform in [0, 1); tests pass their own. */
    private readonly random: () => number = Math.random,
  ) {
    this.roll();
  }

  /** Whether a snapshot is due after `txns` txns of `bytes` bytes since the last one; when it is, new points are drawn. */
  due(txns: number, bytes: number): boolean {
    const half = Math.floor(this.limits.txns / 2);
    const byBytes = this.limits.bytes > 0 && bytes > Math.floor(this.limits.bytes / 2) + this.bytesPoint;
    if (!(txns > half + this.txnsPoint) && !byBytes) return false;
    this.roll();
    return true;
  }

  private roll(): void {
    this.txnsPoint = Math.floor(this.random() * Math.floor(this.limits.txns / 2));
    this.bytesPoint = this.limits.bytes > 0 ? Math.floor(this.random() * Math.floor(this.limits.bytes / 2)) : 0;
  }
}
