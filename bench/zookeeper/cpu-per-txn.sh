#!/usr/bin/env bash
# Where Warden's servers spend their CPU per transaction, from their own /metrics: a figure a
# busy 2-core machine blurs far less than ops/s. Starts a 3-server Warden (warden3.sh), runs one
# bench.sh load against it, and prints, per server, the transactions committed in the run, CPU
# seconds per transaction (process_cpu_seconds_total: every thread), and the main thread's GC
# pauses per transaction (nodejs_gc_duration_seconds).
# Usage: cpu-per-txn.sh [OP=set] [SESSIONS=32] [OUTSTANDING=16] [DURATION_S=12]
set -euo pipefail
cd "$(dirname "$0")"
OP=${1:-set}; S=${2:-32}; O=${3:-16}; DUR=${4:-12}
export W_DIR=${W_DIR:-/var/tmp/warden3-cpu}
BASE=${W_PORT_BASE:-25180}
./warden3.sh wipe >/dev/null 2>&1 || true
./warden3.sh start >/dev/null
trap './warden3.sh stop >/dev/null 2>&1 || true; ./warden3.sh wipe >/dev/null 2>&1 || true' EXIT
LEADER=$(./warden3.sh leader 2>/dev/null || echo "?")
scrape() { # id cpu_s gc_s gc_count last_zxid, per server
  for i in 1 2 3; do
    curl -s "http://127.0.0.1:$((BASE + 70 + i))/metrics" | awk -v i="$i" '
      /^process_cpu_seconds_total /{c=$2} /^nodejs_gc_duration_seconds_sum/{g+=$2}
      /^nodejs_gc_duration_seconds_count/{n+=$2} /^warden_last_zxid /{z=$2}
      END{printf "%s %s %s %s %.0f\n", i, c+0, g+0, n+0, z+0}'
  done
}
BEFORE=$(scrape)
RUN=$(./bench.sh "$(./warden3.sh connect)" "$OP" "$S" "$O" "$DUR" | tail -1)
AFTER=$(scrape)
python3 - "$OP $S×$O" "$LEADER" "$RUN" "$BEFORE" "$AFTER" <<'PY'
import json, sys
load, leader, run = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
parse = lambda text: {l.split()[0]: [float(x) for x in l.split()[1:]] for l in text.splitlines()}
before, after = parse(sys.argv[4]), parse(sys.argv[5])
print(f"{load}: {run['ops_per_s']:,} ops/s, p50 {run['p50_ms']} ms, p99 {run['p99_ms']} ms; leader {leader}\n")
print("| server | txns | CPU | CPU per txn | GC pauses | GC per txn | GC share of CPU |")
print("|---|---|---|---|---|---|---|")
for i in sorted(after):
    cpu, gc, count = (after[i][k] - before[i][k] for k in range(3))
    za, zb = int(after[i][3]), int(before[i][3])
    txns = za - zb if za >> 32 == zb >> 32 else za & 0xFFFFFFFF  # zxids of one epoch, else those of the new one
    txns = max(txns, 1)
    print(f"| {i}{' (leader)' if i == leader else ''} | {txns:,} | {cpu:.2f} s | {cpu / txns * 1e6:.1f} µs | {count:.0f}, {gc:.2f} s | {gc / txns * 1e6:.1f} µs | {100 * gc / cpu if cpu else 0:.0f}% |")
PY
