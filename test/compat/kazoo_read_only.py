"""python3-kazoo with read_only=True against a Warden ensemble that lost its quorum.

Usage: kazoo_read_only.py HOST:PORT,HOST:PORT,HOST:PORT
Phase 1 (two of the three servers stopped, the third serving read-only): prints
"PASS <step>" or "FAIL <step>: <error>" per step, then "READY", then waits for a line on
stdin (the test starts the two servers again). Phase 2: the steps after the quorum is back,
then "DONE".
"""
import sys
import time
import traceback

from kazoo.client import KazooClient
from kazoo.exceptions import NotReadOnlyCallError
from kazoo.protocol.states import KeeperState

HOSTS = sys.argv[1]
zk = KazooClient(hosts=HOSTS, timeout=10.0, read_only=True)
read_only_session = []


def wait_until(what, probe, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if probe():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what + " (client_state " + str(zk.client_state) + ")")


def step(fn):
    try:
        fn()
        print("PASS " + fn.__name__, flush=True)
    except Exception as e:  # noqa: BLE001
        print("FAIL %s: %r | %s" % (fn.__name__, e, " / ".join(traceback.format_exc().strip().splitlines()[-3:])), flush=True)
    print("TIME %s %.3f" % (fn.__name__, time.time()), flush=True)


def connects_read_only():
    zk.start(timeout=30)
    wait_until("CONNECTED_RO", lambda: zk.client_state == KeeperState.CONNECTED_RO)
    read_only_session.append(zk.client_id[0])


def reads_while_read_only():
    data, stat = zk.get("/ro/kept")
    assert data == b"kept", data
    assert zk.get_children("/ro") == ["kept"], zk.get_children("/ro")


def writes_refused_with_not_read_only():
    try:
        zk.create("/ro/from-kazoo-ro", b"x")
    except NotReadOnlyCallError:
        pass
    else:
        raise AssertionError("a create succeeded on a read-only server")
    try:
        zk.set("/ro/kept", b"changed")
    except NotReadOnlyCallError:
        pass
    else:
        raise AssertionError("a set succeeded on a read-only server")


def back_to_read_write_with_a_new_session():
    wait_until("CONNECTED (read-write)", lambda: zk.client_state == KeeperState.CONNECTED, 60.0)
    assert zk.client_id[0] != read_only_session[0], "the read-only session was kept on a read-write server"


def writes_after_the_quorum_returns():
    zk.retry(zk.create, "/ro/from-kazoo", b"k")
    assert zk.get("/ro/from-kazoo")[0] == b"k"


step(connects_read_only)
step(reads_while_read_only)
step(writes_refused_with_not_read_only)
print("READY", flush=True)
sys.stdin.readline()
step(back_to_read_write_with_a_new_session)
step(writes_after_the_quorum_returns)
zk.stop()
zk.close()
print("DONE", flush=True)
