"""python3-kazoo reading /zookeeper/config and sending reconfig against Warden.

Usage: kazoo_config.py HOST:PORT [JOINING]
Prints the node's data as hex ("DATA <hex>"), its Stat's version and mzxid ("STAT <version>
<mzxid>"), then the exception names kazoo raises for two reconfigs: one from a version that
is not the current one, and one from a client that is not a superuser ("RECONFIG <name>"),
when JOINING is given (kazoo cannot read the answer of a server with reconfigEnabled=false,
RECONFIG_DISABLED -123, which it does not know).
"""
import sys

from kazoo.client import KazooClient

zk = KazooClient(hosts=sys.argv[1], timeout=10.0)
zk.start(timeout=15)
data, stat = zk.get("/zookeeper/config")
print("DATA " + data.hex())
print("STAT %d %d" % (stat.version, stat.mzxid))
for (joining, from_config) in ([(None, 5), (sys.argv[2], -1)] if len(sys.argv) > 2 else []):
    try:
        zk.reconfig(joining=joining, leaving=None, new_members=None, from_config=from_config)
        print("RECONFIG ok")
    except Exception as e:  # the class name is what the test compares
        print("RECONFIG " + type(e).__name__)
zk.stop()
zk.close()
