#!/usr/bin/env bash
# Re-records the ZooKeeper 3.8 test vectors in packages/protocol/test/vectors/zk-3.8/.
# Needs Debian's `zookeeper` package (ZooKeeper 3.8 jars) and Java 17, and Node 20.
# Everything temporary lives in one mktemp directory; every process started here is
# stopped on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/capture-zk.XXXXXX")"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
zk_port="$(free_port)"; proxy_port="$(free_port)"; control_port="$(free_port)"
cp_jars="/usr/share/java/zookeeper.jar"

mkdir -p "$tmp/data"
cat > "$tmp/zoo.cfg" <<CFG
tickTime=2000
dataDir=$tmp/data
clientPort=$zk_port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=*
extendedTypesEnabled=true
CFG

java -Xmx256m -cp "$cp_jars" org.apache.zookeeper.server.ZooKeeperServerMain "$tmp/zoo.cfg" > "$tmp/zk.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$zk_port") 2>/dev/null; then break; fi
  sleep 0.2
done

node "$here/proxy.mjs" "$proxy_port" "$zk_port" "$control_port" "$tmp/frames.jsonl" &
pids+=($!)
sleep 0.5

java -Xmx256m -cp "$cp_jars" "$here/Capture.java" "$proxy_port" "$control_port"
sleep 0.5
node "$here/convert.mjs" "$tmp/frames.jsonl" "$repo/packages/protocol/test/vectors/zk-3.8"
