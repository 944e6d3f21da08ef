"""python3-kazoo fails over inside a three-server Warden ensemble.

Usage: kazoo_failover.py HOST:PORT,HOST:PORT,HOST:PORT
Prints "READY <session id hex> <server port>" once it holds an ephemeral and a DataWatch,
then waits for a line on stdin (the test kills that server and writes "KILLED"), then
prints "PASS <step>" or "FAIL <step>: <error>" per step and "DONE".
"""
import sys
import threading
import time
import traceback

from compat_steps import step
from kazoo.client import KazooClient, KazooState

HOSTS = sys.argv[1]
states = []
zk = KazooClient(hosts=HOSTS, timeout=10.0)
zk.add_listener(lambda state: states.append(state))
zk.start(timeout=15)
zk.ensure_path("/kfail")
zk.create("/kfail/eph", b"mine", ephemeral=True)
zk.create("/kfail/watched", b"v0")
seen = []
zk.DataWatch("/kfail/watched")(lambda data, stat: seen.append(data))
session_before = zk.client_id
port = zk._connection._socket.getpeername()[1]
print("READY %x %d" % (session_before[0], port), flush=True)
sys.stdin.readline()


def wait_until(what, probe, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if probe():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def reconnects_to_another_server():
    wait_until("SUSPENDED then CONNECTED again", lambda: KazooState.SUSPENDED in states and zk.state == KazooState.CONNECTED)
    zk.retry(zk.exists, "/kfail")
    assert KazooState.LOST not in states, states
    new_port = zk._connection._socket.getpeername()[1]
    assert new_port != port, "still on the killed server's port %d" % port


def keeps_its_session():
    assert zk.client_id == session_before, (zk.client_id, session_before)


def keeps_its_ephemeral():
    data, stat = zk.retry(zk.get, "/kfail/eph")
    assert data == b"mine" and stat.ephemeralOwner == session_before[0]


def keeps_its_watch():
    other = KazooClient(hosts=HOSTS, timeout=10.0)
    other.start(timeout=15)
    other.retry(other.set, "/kfail/watched", b"after-failover")
    wait_until("the DataWatch to see the change made after the failover", lambda: seen[-1:] == [b"after-failover"])
    other.stop()
    other.close()


def writes_after_failover():
    # ZooKeeper applications retry ConnectionLoss: a leader's death makes its followers drop
    # their clients until a new leader is elected, in ZooKeeper as in Warden.
    zk.retry(zk.set, "/kfail/watched", b"v2")
    assert zk.retry(zk.get, "/kfail/watched")[0] == b"v2"
    zk.retry(zk.create, "/kfail/seq-", sequence=True)


for fn in [reconnects_to_another_server, keeps_its_session, keeps_its_ephemeral, keeps_its_watch, writes_after_failover]:
    step(fn)
zk.stop()
zk.close()
print("DONE", flush=True)
