#!/usr/bin/env bash
# Where each Warden server's CPU goes under one load, from Linux perf (CPU samples of every
# thread, JIT frames named by node's --perf-basic-prof): per server, the share of its main
# thread, V8's helper threads (parallel scavenge, concurrent marking) and libuv's pool (the
# log's writes and fsyncs); then the main thread's samples by the innermost JavaScript function
# on their stack (natives it called count for it: cbor-x's encode includes the BigInts it makes),
# and by package. Unlike --cpu-prof, which samples wall-clock time and so charges a thread
# preempted inside a syscall to that syscall (on a busy 2-core machine, writev to a peer), perf
# counts CPU actually used.
# Usage: perf-profile.sh [OP=set] [SESSIONS=32] [OUTSTANDING=16] [DURATION_S=14] [TOP=25]
#   env ONLY_LEADER=1: every session on the leader, so that the followers do replication only.
# Needs perf (Debian: linux-perf) and the right to sample every CPU (root, or perf_event_paranoid <= 0).
set -euo pipefail
cd "$(dirname "$0")"
OP=${1:-set}; S=${2:-32}; O=${3:-16}; DUR=${4:-14}; TOP=${5:-25}
command -v perf >/dev/null || { echo "perf-profile.sh: perf is not installed (Debian: apt-get install linux-perf)" >&2; exit 1; }
HOME_DIR=$(cd ../.. && pwd)
export W_DIR=${W_DIR:-/var/tmp/warden3-perf}
# The compiled modules, not the bundle: functions are then named with their package's files.
export WARDEN="node --perf-basic-prof $HOME_DIR/packages/cli/dist/main.js"
OUT=$(mktemp -d /tmp/perf-profile-XXXXXX)
trap './warden3.sh stop >/dev/null 2>&1 || true; ./warden3.sh wipe >/dev/null 2>&1 || true; rm -rf "$OUT"; for p in $PIDS; do rm -f "/tmp/perf-${p#*:}.map"; done' EXIT
PIDS=""
./warden3.sh wipe >/dev/null 2>&1 || true
# Started from the scratch directory: --perf-basic-prof has node write a V8 log per process in its working directory.
(cd "$OUT" && "$OLDPWD/warden3.sh" start >/dev/null)
LEADER=$(./warden3.sh leader 2>/dev/null | grep -o '[0-9]' | head -1)
for i in 1 2 3; do PIDS="$PIDS $i:$(cat "$W_DIR/$i/pid")"; done
CONNECT=$(./warden3.sh connect)
[ "${ONLY_LEADER:-0}" = 1 ] && CONNECT=$(./warden3.sh connect | tr ',' '\n' | sed -n "${LEADER}p")
# Eight seconds from the third second of the load: past the warm-up, before its end.
( sleep 3; perf record -F 999 -a -g -o "$OUT/perf.data" -- sleep 8 >/dev/null 2>&1 ) &
REC=$!
RUN=$(./bench.sh "$CONNECT" "$OP" "$S" "$O" "$DUR" | tail -1)
wait "$REC"
# Each server's threads by age: after the main thread come V8's platform workers (node's
# --v8-pool-size, 4), then the rest (libuv's pool, started at its first use, and node's own).
for p in $PIDS; do echo "${p%%:*} $(ls "/proc/${p#*:}/task" | sort -n | tr '\n' ' ')"; done > "$OUT/threads.txt"
perf script -i "$OUT/perf.data" -F pid,tid,comm,ip,sym > "$OUT/samples.txt" 2>/dev/null
python3 - "$OUT/samples.txt" "$LEADER" "$PIDS" "$TOP" "$RUN" "$OUT/threads.txt" <<'PY'
import collections, json, re, sys
path, leader, pids, top, run = sys.argv[1], sys.argv[2], sys.argv[3].split(), int(sys.argv[4]), json.loads(sys.argv[5])
server_of = {p.split(":")[1]: p.split(":")[0] for p in pids}
v8_workers = set()
for line in open(sys.argv[6]):
    tids = line.split()[1:]
    v8_workers.update(tids[1:5])
samples = []  # (pid, tid, comm, frames innermost first)
current = None
for line in open(path):
    head = re.match(r"^\s*(\S.*?)\s+(\d+)/(\d+)\s*$", line)
    if head:
        current = (head.group(2), head.group(3), head.group(1), [])
        samples.append(current)
    elif line.strip() and current is not None:
        parts = line.strip().split(None, 1)
        current[3].append(parts[1] if len(parts) > 1 else "?")
total = len(samples)
print(f"{run['op']} {run['sessions']}x{run['outstanding']}: {run['ops_per_s']:,} ops/s; leader {leader}; {total} CPU samples (999 Hz, 8 s, every CPU); shares of all samples:\n")
print("| server | main thread | V8 platform workers (GC) | other threads (libuv pool: the log) | share of the machine |")
print("|---|---|---|---|---|")
threads = collections.Counter()
for pid, tid, comm, _ in samples:
    if pid in server_of:
        kind = "main" if tid == pid else ("v8" if tid in v8_workers else "other")
        threads[(server_of[pid], kind)] += 1
for s in sorted(set(server_of.values())):
    m, v, o = (threads[(s, k)] for k in ("main", "v8", "other"))
    label = f"{s} (leader)" if s == leader else s
    print(f"| {label} | {100 * m / total:.1f}% | {100 * v / total:.1f}% | {100 * o / total:.1f}% | {100 * (m + v + o) / total:.1f}% |")
def where(frames):
    js = next((f for f in frames if f.startswith("JS:")), None)
    if js is None:
        return "(native, no JavaScript on the stack) " + frames[0][:60] if frames else "?", "native"
    m = re.match(r"JS:\S?(\S*) (?:file://)?\S*?((?:packages|node_modules)/[^ ]*|node:[^ ]*)", js)
    name = f"{m.group(1) or '(anonymous)'} {m.group(2)}" if m else js[3:80]
    pkg = re.search(r"packages/(\w+)/|node_modules/([\w-]+)/|(node:)", name)
    return name, (pkg.group(1) or pkg.group(2) or "node internals") if pkg else "other"
for s in sorted(set(server_of.values())):
    pid = next(p for p, v in server_of.items() if v == s)
    main = [f for p, t, _, f in samples if p == pid and t == pid]
    if not main:
        continue
    by_fn, by_pkg = collections.Counter(), collections.Counter()
    for frames in main:
        fn, pkg = where(frames)
        by_fn[fn] += 1
        by_pkg[pkg] += 1
    print(f"\nserver {s}{' (leader)' if s == leader else ''}, main thread, {len(main)} samples; by package: " +
          ", ".join(f"{k} {100 * v / len(main):.0f}%" for k, v in by_pkg.most_common(8)))
    for fn, n in by_fn.most_common(top):
        print(f"  {100 * n / len(main):5.1f}%  {fn}")
PY
