#!/usr/bin/python3
# Captures what a real ZooKeeper 3.8 answers on its admin HTTP port (every /commands/<name>)
# and on its client port (four-letter words), for the shape tests of Warden's admin port.
# Starts Debian's ZooKeeper (standalone, and a three-server ensemble for the leader's and a
# follower's answers) on loopback with free ports, holds a kazoo session with an ephemeral
# node and watches while it asks, and writes one file per answer. Not part of the tests.
#
#   /usr/bin/python3 scripts/capture-zk/admin.py test/compat/fixtures/zk-admin
import json, os, socket, subprocess, sys, tempfile, time, urllib.request
from kazoo.client import KazooClient

OUT = sys.argv[1]
# The admin server needs the servlet API (Debian: libservlet-api-java), not on the jar's Class-Path.
JAR = "/usr/share/java/zookeeper.jar:/usr/share/java/servlet-api.jar:/usr/share/java/slf4j-simple.jar"
# ZooKeeper 3.8.0's admin commands (org.apache.zookeeper.server.admin.Commands), each name and alias.
COMMANDS = ["connection_stat_reset", "crst", "configuration", "conf", "config", "connections", "cons", "dirs", "dump",
            "environment", "env", "envi", "hash", "get_trace_mask", "gtmk", "initial_configuration", "icfg",
            "is_read_only", "isro", "last_snapshot", "lsnp", "leader", "lead", "monitor", "mntr",
            "observer_connection_stat_reset", "orst", "ruok", "set_trace_mask", "stmk", "server_stats", "srvr",
            "stats", "stat", "stat_reset", "srst", "observers", "obsr", "system_properties", "sysp", "voting_view",
            "watches", "wchc", "watches_by_path", "wchp", "watch_summary", "wchs", "zabstate"]
RESETS = ("connection_stat_reset", "crst", "stat_reset", "srst", "observer_connection_stat_reset", "orst")
WORDS = ["ruok", "srvr", "stat", "mntr", "conf", "cons", "envi", "wchs", "wchc", "wchp", "dump", "isro", "dirs", "crst", "srst", "gtmk"]

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def start(dir, cfg, myid=None):
    os.makedirs(os.path.join(dir, "data"), exist_ok=True)
    if myid is not None:
        open(os.path.join(dir, "data", "myid"), "w").write(str(myid))
    path = os.path.join(dir, "zoo.cfg")
    open(path, "w").write("\n".join(f"{k}={v}" for k, v in cfg.items()) + "\n")
    log = open(os.path.join(dir, "out.log"), "w")
    return subprocess.Popen(["java", "-Xmx256m", "-Dzookeeper.admin.enableServer=true", "-cp", JAR,
                             "org.apache.zookeeper.server.quorum.QuorumPeerMain", path], stdout=log, stderr=log)

def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode()
    except urllib.error.HTTPError as e:
        return e.read().decode()

def wait_admin(port):
    for _ in range(300):
        try:
            if json.loads(get(f"http://127.0.0.1:{port}/commands/ruok")).get("error") is None:
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise SystemExit(f"admin port {port} never answered")

def four(port, word):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(word.encode())
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                return out.decode()
            out += b

def base_cfg(dir, client, admin):
    return {"tickTime": 2000, "initLimit": 10, "syncLimit": 5, "dataDir": os.path.join(dir, "data"),
            "clientPort": client, "clientPortAddress": "127.0.0.1", "admin.enableServer": "true",
            "admin.serverAddress": "127.0.0.1", "admin.serverPort": admin, "4lw.commands.whitelist": "*"}

def session(client_port):
    zk = KazooClient(hosts=f"127.0.0.1:{client_port}")
    zk.start(timeout=30)
    zk.ensure_path("/cap")
    zk.set("/cap", b"twelve bytes")
    zk.create("/cap/e", b"x", ephemeral=True)
    zk.get("/cap", watch=lambda e: None)
    zk.get_children("/cap", watch=lambda e: None)
    return zk

def capture(name, admin, client):
    out = os.path.join(OUT, name)
    os.makedirs(out, exist_ok=True)
    open(os.path.join(out, "_commands.html"), "w").write(get(f"http://127.0.0.1:{admin}/commands"))
    for cmd in COMMANDS:
        if cmd in RESETS:
            continue  # they reset counters: captured last
        open(os.path.join(out, f"{cmd}.json"), "w").write(get(f"http://127.0.0.1:{admin}/commands/{cmd}"))
    for w in WORDS:
        if w in ("crst", "srst"):
            continue
        open(os.path.join(out, f"{w}.txt"), "w").write(four(client, w))
    for cmd in RESETS:
        open(os.path.join(out, f"{cmd}.json"), "w").write(get(f"http://127.0.0.1:{admin}/commands/{cmd}"))
    for w in ("crst", "srst"):
        open(os.path.join(out, f"{w}.txt"), "w").write(four(client, w))

def main():
    tmp = tempfile.mkdtemp(prefix="zk-admin-capture-")
    procs = []
    try:
        # Standalone.
        c, a = free_port(), free_port()
        procs.append(start(os.path.join(tmp, "s"), base_cfg(os.path.join(tmp, "s"), c, a)))
        wait_admin(a)
        zk = session(c)
        capture("standalone", a, c)
        zk.stop(); zk.close()
        procs.pop().terminate()
        # Three servers.
        ports = [(free_port(), free_port(), free_port(), free_port()) for _ in range(3)]
        servers = {f"server.{i+1}": f"127.0.0.1:{p[2]}:{p[3]}" for i, p in enumerate(ports)}
        for i, (c, a, _, _) in enumerate(ports):
            d = os.path.join(tmp, f"q{i+1}")
            procs.append(start(d, {**base_cfg(d, c, a), **servers}, myid=i + 1))
        for c, a, _, _ in ports:
            wait_admin(a)
        def mode(c):
            return [l for l in four(c, "srvr").splitlines() if l.startswith("Mode:")]
        for _ in range(300):
            modes = [mode(c) for c, *_ in ports]
            if ["Mode: leader"] in modes and modes.count(["Mode: follower"]) == 2:
                break
            time.sleep(0.1)
        leader = next(p for p in ports if mode(p[0]) == ["Mode: leader"])
        follower = next(p for p in ports if mode(p[0]) == ["Mode: follower"])
        zk = session(follower[0])
        time.sleep(1)  # let the follower's session and writes reach the leader's counters
        capture("leader", leader[1], leader[0])
        capture("follower", follower[1], follower[0])
        zk.stop(); zk.close()
    finally:
        for p in procs:
            p.terminate()
            p.wait()
    print(f"captured into {OUT}; servers' files in {tmp}")

main()
