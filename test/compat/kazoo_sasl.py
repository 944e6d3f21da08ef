"""Debian's python3-kazoo with SASL DIGEST-MD5 (python3-pure-sasl) against a Warden server.

Usage: kazoo_sasl.py HOST:PORT
Prints "PASS <step>" or "FAIL <step>: <error>" for each step, then "DONE".
The server's JAAS file has user_alice="alice-secret" and user_bob="bob-secret".
"""
import sys
import time
import traceback

from compat_steps import step
from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import NoAuthError
from kazoo.security import make_acl

HOSTS = sys.argv[1]


def sasl(user, password):
    return {"mechanism": "DIGEST-MD5", "username": user, "password": password}


def connect(user, password):
    c = KazooClient(hosts=HOSTS, timeout=10.0, sasl_options=sasl(user, password))
    c.start(timeout=10)
    return c


alice = connect("alice", "alice-secret")
bob = connect("bob", "bob-secret")


def alice_creates_a_node_only_she_may_use():
    alice.create("/kazoo-sasl", b"alice's", acl=[make_acl("sasl", "alice", all=True)])
    data, _ = alice.get("/kazoo-sasl")
    assert data == b"alice's", data
    alice.set("/kazoo-sasl", b"changed")
    acls, _ = alice.get_acls("/kazoo-sasl")
    assert [(a.id.scheme, a.id.id, a.perms) for a in acls] == [("sasl", "alice", 31)], acls


def bob_is_denied():
    for attempt in (lambda: bob.get("/kazoo-sasl"), lambda: bob.set("/kazoo-sasl", b"bob's"), lambda: bob.create("/kazoo-sasl/bobs")):
        try:
            attempt()
        except NoAuthError:
            continue
        raise AssertionError("bob was not denied")


def wrong_password_fails_and_the_server_stays():
    states = []
    c = KazooClient(hosts=HOSTS, timeout=10.0, sasl_options=sasl("alice", "wrong"))
    c.add_listener(states.append)
    try:
        c.start(timeout=5)
    except Exception:  # noqa: BLE001 - a timeout is one way kazoo reports it
        pass
    deadline = time.time() + 10
    while time.time() < deadline and (c.connected or KazooState.LOST not in states):
        time.sleep(0.02)
    assert not c.connected, states
    assert KazooState.LOST in states, states
    c.stop()
    c.close()
    # The server still serves: a new client authenticates and reads.
    again = connect("alice", "alice-secret")
    assert again.get("/kazoo-sasl")[0] == b"changed"
    again.stop()
    again.close()


for fn in (alice_creates_a_node_only_she_may_use, bob_is_denied, wrong_password_fails_and_the_server_stays):
    step(fn)
for c in (alice, bob):
    c.stop()
    c.close()
print("DONE", flush=True)
