"""python3-kazoo's reconfig against a Warden ensemble with reconfigEnabled.

Usage: kazoo_reconfig.py HOST:PORT LEAVING_ID JOINING_LINE
Removes server LEAVING_ID, then adds it back with JOINING_LINE (server.N=...), each from the
version kazoo last read; prints "REMOVED <hex version> <ids>" and "ADDED <hex version> <ids>"
from the data and Stat kazoo's reconfig returns, or "ERROR <name>".
"""
import sys

from kazoo.client import KazooClient


def ids(data):
    return ",".join(line.split("=")[0][len("server."):] for line in data.decode().split("\n") if line.startswith("server."))


zk = KazooClient(hosts=sys.argv[1], timeout=10.0)
zk.start(timeout=15)
try:
    _, stat = zk.get("/zookeeper/config")
    data, stat = zk.reconfig(joining=None, leaving=sys.argv[2], new_members=None, from_config=stat.mzxid)
    print("REMOVED %x %s" % (stat.mzxid, ids(data)))
    data, stat = zk.reconfig(joining=sys.argv[3], leaving=None, new_members=None, from_config=stat.mzxid)
    print("ADDED %x %s" % (stat.mzxid, ids(data)))
except Exception as e:  # the class name is what the test compares
    print("ERROR " + type(e).__name__ + " " + str(e))
zk.stop()
zk.close()
