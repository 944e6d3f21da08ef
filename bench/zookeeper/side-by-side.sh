#!/usr/bin/env bash
# The README's performance table in one command: Warden (this checkout) and Apache ZooKeeper,
# 3 servers each on loopback, driven by ZooKeeper's own Java client, in one sitting.
# Usage: side-by-side.sh [RUNS=2] [OUT_DIR]
#   env DURATION_S (default 12), FIGURES (default all: "set-32x16 get-32x16 mixed90-32x16 set-1x1
#   get-1x1 create-32x16"), FAILOVER (kills of the leader per system, default 3; 0 skips it).
# The systems alternate figure by figure (Warden, ZooKeeper, Warden, ZooKeeper, ...) so that a
# change in the machine's load falls on both; compare.py prints both figures and the ratio.
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${1:-2}
OUT=${2:-$(mktemp -d /tmp/side-by-side-XXXXXX)}
# One directory, one sitting: figures are appended as they come, and compare.py takes the median
# of every run it finds, so an earlier sitting's runs would mix into this one's.
if [ -e "$OUT/figures.jsonl" ]; then
  echo "side-by-side.sh: $OUT already holds a sitting's figures; give a new directory" >&2
  exit 2
fi
mkdir -p "$OUT"
DUR=${DURATION_S:-12}
FIGURES=${FIGURES:-"set-32x16 get-32x16 mixed90-32x16 set-1x1 get-1x1 create-32x16"}
FAILOVER=${FAILOVER:-3}
[ -f ../../packages/cli/dist/index.js ] || { echo "build first: npm run build" >&2; exit 2; }

spec() { # figure -> "OP SESSIONS OUTSTANDING"
  local op=${1%-*} shape=${1##*-}
  echo "$op ${shape%x*} ${shape#*x}"
}
measure() { # measure SYSTEM CTL FIGURE RUN
  local sys=$1 ctl=$2 fig=$3 run=$4
  $ctl wipe >/dev/null 2>&1 || true
  $ctl start >/dev/null
  # shellcheck disable=SC2046
  local r
  r=$(ZKB_SERVER_PIDS="$($ctl pids | tr '\n' ' ')" ./bench.sh "$($ctl connect)" $(spec "$fig") "$DUR" 2>/dev/null | tail -1)
  echo "{\"system\":\"$sys\",\"figure\":\"$fig\",\"run\":$run,\"result\":$r}" | tee -a "$OUT/figures.jsonl"
  $ctl wipe >/dev/null 2>&1 || true
}
for run in $(seq 1 "$RUNS"); do
  for fig in $FIGURES; do
    measure warden ./warden3.sh "$fig" "$run"
    measure zookeeper ./zk3.sh "$fig" "$run"
  done
done
if [ "$FAILOVER" -gt 0 ]; then
  for sys in warden zookeeper; do
    ctl=./warden3.sh; [ $sys = zookeeper ] && ctl=./zk3.sh
    $ctl wipe >/dev/null 2>&1 || true
    $ctl start >/dev/null
    CTL=$ctl python3 ./failover.py "$FAILOVER" "$OUT/failover-$sys.jsonl" >"$OUT/failover-$sys.txt" 2>&1 || echo "failover run of $sys failed: $OUT/failover-$sys.txt" >&2
    $ctl wipe >/dev/null 2>&1 || true
  done
fi
python3 ./compare.py "$OUT"
