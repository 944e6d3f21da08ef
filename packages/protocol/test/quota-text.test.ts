// StatsTrack's text, as ZooKeeper 3.7+ writes and reads it (StatsTrackTest's cases).
import { describe, expect, it } from "vitest";
import {
  formatStatsTrack,
  formatStatsTrackEntries,
  isQuotaTarget,
  parseStatsTrack,
  parseStatsTrackEntries,
  quotaNodeOf,
} from "@warden/protocol";

describe("StatsTrack text", () => {
  it("writes count and bytes first, then a spurious = and the other keys sorted after ;", () => {
    expect(formatStatsTrack({ count: 4, bytes: 9, countHardLimit: 4, byteHardLimit: 15 }, true)).toBe(
      "count=4,bytes=9=;byteHardLimit=15;countHardLimit=4",
    );
    expect(formatStatsTrack({ count: 5, bytes: -1, countHardLimit: -1, byteHardLimit: -1 }, true)).toBe(
      "count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1",
    );
    expect(formatStatsTrack({ count: 2, bytes: 5, countHardLimit: -1, byteHardLimit: -1 }, false)).toBe("count=2,bytes=5");
  });

  it("reads the 3.7 form, the 3.4 form, empty values as -1, and skips what Java would fail on", () => {
    expect(parseStatsTrack("count=4,bytes=9=;byteHardLimit=15;countHardLimit=4")).toEqual({
      count: 4,
      bytes: 9,
      countHardLimit: 4,
      byteHardLimit: 15,
    });
    expect(parseStatsTrack("count=2,bytes=5")).toEqual({ count: 2, bytes: 5, countHardLimit: -1, byteHardLimit: -1 });
    expect(parseStatsTrack("count=,bytes=")).toEqual({ count: -1, bytes: -1, countHardLimit: -1, byteHardLimit: -1 });
    expect(parseStatsTrack("count=x;bytes;=3")).toEqual({ count: -1, bytes: -1, countHardLimit: -1, byteHardLimit: -1 });
    expect(parseStatsTrack(null)).toEqual({ count: -1, bytes: -1, countHardLimit: -1, byteHardLimit: -1 });
    expect(formatStatsTrackEntries(parseStatsTrackEntries("count=1,bytes=2=;zeta=3"))).toBe("count=1,bytes=2=;zeta=3");
    // Only the keys present are written back: a 3.4 limit with a hard limit set later.
    const old = parseStatsTrackEntries("count=5,bytes=-1");
    old.set("countHardLimit", 3);
    expect(formatStatsTrackEntries(old)).toBe("count=5,bytes=-1=;countHardLimit=3");
  });

  it("names the quota a limits or stats node belongs to; none on /, /zookeeper or below", () => {
    expect(quotaNodeOf("/zookeeper/quota/a/b/zookeeper_limits")).toEqual({ target: "/a/b", kind: "limits" });
    expect(quotaNodeOf("/zookeeper/quota/a/zookeeper_stats")).toEqual({ target: "/a", kind: "stats" });
    expect(quotaNodeOf("/zookeeper/quota/zookeeper_limits")).toBeUndefined();
    expect(quotaNodeOf("/zookeeper/quota/zookeeper/zookeeper_limits")).toBeUndefined();
    expect(quotaNodeOf("/a/zookeeper_limits")).toBeUndefined();
    expect([isQuotaTarget("/a"), isQuotaTarget("/"), isQuotaTarget("/zookeeper/config"), isQuotaTarget("/zookeeperx")]).toEqual([
      true,
      false,
      false,
      true,
    ]);
  });
});
