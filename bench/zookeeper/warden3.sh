#!/usr/bin/env bash
# Warden on loopback, with the same commands as zk3.sh, so that every script here
# (suite.sh, failover.py, memory.sh) measures Warden and ZooKeeper the same way.
# Each server gets a zoo.cfg with ZooKeeper's keys plus Warden's own, and is started
# through the project's CLI: `warden server --config zoo.cfg`.
# Server i (1..W_N): ZooKeeper-protocol port BASE+i (clientPort), native port BASE+50+i,
# admin port BASE+70+i, peer port BASE+100+i, election port BASE+200+i
# (BASE = $W_PORT_BASE, default 25180 -> clients 25181-25183).
# W_TLS=1: also secureClientPort BASE+300+i (tls-certs.sh's PEM stores, clientAuth need);
# `connect` then names the TLS ports (run zkbench with ZKB_TLS=1).
# WARDEN: the command that runs the CLI (default: node bin/warden in $WARDEN_HOME, or the
# project root, two folders above this one). TICK_TIME (2000) as for ZooKeeper.
#
# Usage: warden3.sh start [i] | stop [i] | kill i | leader | kill-leader | status
#        | connect [i] | native [i] | pids | wipe
# Data, logs, pids under $W_DIR (default /var/tmp/warden3-bench, local disk).
set -euo pipefail
BASE=${W_DIR:-/var/tmp/warden3-bench}
N=${W_N:-3}
PORT_BASE=${W_PORT_BASE:-25180}
TICK=${TICK_TIME:-2000}
HOME_DIR=${WARDEN_HOME:-$(cd "$(dirname "$0")/../.." && pwd)}
WARDEN=${WARDEN:-node $HOME_DIR/bin/warden}

port() { echo $((PORT_BASE + $1)); }
four() { # four <port> <cmd>: a four-letter word on the ZooKeeper-protocol port
  python3 -c '
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2); s.sendall(sys.argv[2].encode()); out = b""
    while (d := s.recv(4096)): out += d
    print(out.decode(errors="replace").strip())
except Exception as e: print("ERR %s" % e)' "$1" "$2"
}
mode() { four "$(port "$1")" srvr | sed -n 's/^Mode: //p'; }
# A process that exited but was not yet reaped (a zombie: its parent did not wait) is not alive.
alive() { kill -0 "$1" 2>/dev/null && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]; }
running() { [ -f "$BASE/$1/pid" ] && alive "$(cat "$BASE/$1/pid")"; }

write_conf() {
  local i=$1 d=$BASE/$1 j
  mkdir -p "$d/data" "$d/log"; echo "$i" > "$d/data/myid"
  [ -f "$BASE/secret" ] || head -c 32 /dev/urandom | base64 > "$BASE/secret"
  cat > "$d/zoo.cfg" <<CFG
tickTime=$TICK
initLimit=10
syncLimit=5
dataDir=$d/data
clientPort=$(port "$i")
clientPortAddress=127.0.0.1
nativePort=$((PORT_BASE + 50 + i))
adminPort=$((PORT_BASE + 70 + i))
maxClientCnxns=0
4lw.commands.whitelist=*
ensembleSecretFile=$BASE/secret
CFG
  # W_CFG: further keys for every server, space-separated key=value (e.g. W_CFG="heapGrowthPercent=0").
  for kv in ${W_CFG:-}; do echo "$kv" >> "$d/zoo.cfg"; done
  if [ "${W_TLS:-0}" = 1 ]; then
    local t; t=$("$(dirname "$0")/tls-certs.sh")
    printf 'secureClientPort=%s\nsecureClientPortAddress=127.0.0.1\nssl.keyStore.location=%s\nssl.trustStore.location=%s\n' \
      $((PORT_BASE + 300 + i)) "$t/server.pem" "$t/ca.pem" >> "$d/zoo.cfg"
  fi
  if [ "$N" -gt 1 ]; then
    for j in $(seq 1 "$N"); do
      echo "server.$j=127.0.0.1:$((PORT_BASE + 100 + j)):$((PORT_BASE + 200 + j))" >> "$d/zoo.cfg"
    done
  fi
}

start_one() {
  local i=$1 d=$BASE/$1
  if running "$i"; then echo "server $i already running"; return 0; fi
  write_conf "$i"
  # shellcheck disable=SC2086
  nohup $WARDEN server --config "$d/zoo.cfg" > "$d/log/stdout.log" 2>&1 < /dev/null &
  echo $! > "$d/pid"
  echo "server $i started (pid $!, client port $(port "$i"))"
}

wait_serving() {
  local deadline=$((SECONDS + ${W_START_TIMEOUT:-60})) i ok
  while :; do
    ok=1
    for i in "$@"; do mode "$i" | grep -qE 'leader|follower|standalone' || ok=0; done
    [ $ok = 1 ] && return 0
    [ $SECONDS -ge $deadline ] && { echo "timeout waiting for servers $*; last log lines:" >&2; for i in "$@"; do tail -n 3 "$BASE/$i/log/stdout.log" >&2 || true; done; return 1; }
    sleep 0.2
  done
}

stop_one() {
  local i=$1 pid
  running "$i" || { rm -f "$BASE/$i/pid"; return 0; }
  pid=$(cat "$BASE/$i/pid"); kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && kill -9 "$pid" 2>/dev/null || true
  rm -f "$BASE/$i/pid"; echo "server $i stopped (pid $pid)"
}

leader() { local i; for i in $(seq 1 "$N"); do [ "$(mode "$i")" = leader ] && { echo "$i"; return 0; }; done; return 1; }

cmd=${1:-}; shift || true
case "$cmd" in
  start) if [ $# -gt 0 ]; then start_one "$1"; wait_serving "$1"
         else for i in $(seq 1 "$N"); do start_one "$i"; done; wait_serving $(seq 1 "$N"); fi ;;
  stop)  if [ $# -gt 0 ]; then stop_one "$1"; else for i in $(seq 1 "$N"); do stop_one "$i"; done; fi ;;
  kill)  kill -9 "$(cat "$BASE/$1/pid")"; rm -f "$BASE/$1/pid" ;;
  leader) leader ;;
  kill-leader) l=$(leader); kill -9 "$(cat "$BASE/$l/pid")"; rm -f "$BASE/$l/pid"; echo "$l" ;;
  status) for i in $(seq 1 "$N"); do echo "server $i port $(port "$i") pid $(cat "$BASE/$i/pid" 2>/dev/null || echo -) mode $(mode "$i")"; done ;;
  connect) off=0; [ "${W_TLS:-0}" = 1 ] && off=300
           if [ $# -gt 0 ]; then echo "127.0.0.1:$(($(port "$1") + off))"
           else s=""; for i in $(seq 1 "$N"); do s="$s${s:+,}127.0.0.1:$(($(port "$i") + off))"; done; echo "$s"; fi ;;
  native) if [ $# -gt 0 ]; then echo "127.0.0.1:$((PORT_BASE + 50 + $1))"
          else s=""; for i in $(seq 1 "$N"); do s="$s${s:+,}127.0.0.1:$((PORT_BASE + 50 + i))"; done; echo "$s"; fi ;;
  pids)  for i in $(seq 1 "$N"); do running "$i" && cat "$BASE/$i/pid"; done; true ;;
  wipe)  for i in $(seq 1 "$N"); do stop_one "$i"; done; rm -rf "$BASE" ;;
  *) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
