"""Debian's python3-kazoo against a Warden server: one scripted scenario.

Usage: kazoo_scenario.py HOST:PORT
Prints "PASS <step>" or "FAIL <step>: <error>" for each step, then "DONE".
The test (kazoo.test.ts) lists the step names and expects a PASS for each.
"""
import sys
import threading
import time
import traceback

from compat_steps import step
from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import (BadVersionError, LockTimeout, NoAuthError, NodeExistsError, NoNodeError,
                              NotEmptyError, RolledBackError)
from kazoo.security import make_acl, make_digest_acl

HOSTS = sys.argv[1]
ROOT = "/kazoo"


def connect(**kw):
    c = KazooClient(hosts=HOSTS, timeout=10.0, **kw)
    c.start(timeout=10)
    return c


def wait_until(what, probe, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if probe():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


zk = connect()
other = connect()


def connected_with_session():
    assert zk.state == KazooState.CONNECTED
    session_id, password = zk.client_id
    assert session_id != 0 and len(password) == 16
    assert zk.client_id[0] != other.client_id[0]


def server_version_from_envi():
    version = zk.server_version()
    assert version[0] == 3 and len(version) >= 3, version
    assert zk.command(b"ruok") == "imok"


def crud():
    zk.ensure_path(ROOT)
    assert zk.create(ROOT + "/a", b"one") == ROOT + "/a"
    data, stat = zk.get(ROOT + "/a")
    assert data == b"one" and stat.version == 0 and stat.data_length == 3
    stat = zk.set(ROOT + "/a", b"two", version=0)
    assert stat.version == 1
    assert other.get(ROOT + "/a")[0] == b"two"
    assert zk.exists(ROOT + "/a").version == 1
    assert zk.exists(ROOT + "/nope") is None
    for bad, exc in [(lambda: zk.create(ROOT + "/a"), NodeExistsError),
                     (lambda: zk.get(ROOT + "/nope"), NoNodeError),
                     (lambda: zk.set(ROOT + "/a", b"x", version=0), BadVersionError),
                     (lambda: zk.create(ROOT + "/a/b/c"), NoNodeError)]:
        try:
            bad()
            raise AssertionError("expected " + exc.__name__)
        except exc:
            pass
    zk.create(ROOT + "/a/child")
    try:
        zk.delete(ROOT + "/a")
        raise AssertionError("expected NotEmptyError")
    except NotEmptyError:
        pass
    zk.delete(ROOT + "/a/child")
    zk.delete(ROOT + "/a", version=1)
    assert zk.exists(ROOT + "/a") is None


def create_with_stat_and_makepath():
    path, stat = zk.create(ROOT + "/made/by/path", b"x", makepath=True, include_data=True)
    assert path == ROOT + "/made/by/path" and stat.version == 0 and stat.data_length == 1
    assert zk.exists(ROOT + "/made/by") is not None


def ephemeral_nodes():
    c = connect()
    c.create(ROOT + "/eph", b"", ephemeral=True)
    stat = other.exists(ROOT + "/eph")
    assert stat.ephemeralOwner == c.client_id[0], (stat.ephemeralOwner, c.client_id[0])
    gone = threading.Event()
    other.exists(ROOT + "/eph", watch=lambda event: gone.set() if event.type == "DELETED" else None)
    c.stop()
    c.close()
    assert gone.wait(10), "no DELETED event for the ephemeral of a closed session"
    assert other.exists(ROOT + "/eph") is None


def sequential_nodes():
    zk.ensure_path(ROOT + "/seq")
    a = zk.create(ROOT + "/seq/n-", sequence=True)
    b = zk.create(ROOT + "/seq/n-", ephemeral=True, sequence=True)
    assert a == ROOT + "/seq/n-0000000000", a
    assert b == ROOT + "/seq/n-0000000001", b
    assert sorted(zk.get_children(ROOT + "/seq")) == ["n-0000000000", "n-0000000001"]
    assert zk.exists(b).ephemeralOwner == zk.client_id[0]


def ensure_path_and_recursive_delete():
    zk.ensure_path(ROOT + "/tree/x/y/z")
    zk.create(ROOT + "/tree/x/leaf", b"l")
    zk.ensure_path(ROOT + "/tree/x/y/z")  # idempotent
    zk.delete(ROOT + "/tree", recursive=True)
    assert zk.exists(ROOT + "/tree") is None


def get_children_with_stat_and_watch():
    zk.ensure_path(ROOT + "/kids")
    fired = threading.Event()
    children, stat = zk.get_children(ROOT + "/kids", watch=lambda e: fired.set(), include_data=True)
    assert children == [] and stat.numChildren == 0
    other.create(ROOT + "/kids/k1")
    assert fired.wait(10), "no CHILD event"


def data_watch():
    path = ROOT + "/dw"
    seen = []
    zk.create(path, b"v0")
    zk.DataWatch(path)(lambda data, stat: seen.append(data))
    wait_until("the initial DataWatch call", lambda: seen == [b"v0"])
    other.set(path, b"v1")
    wait_until("DataWatch v1", lambda: seen[-1:] == [b"v1"])
    other.set(path, b"v2")
    wait_until("DataWatch v2", lambda: seen[-1:] == [b"v2"])
    other.delete(path)
    wait_until("DataWatch deletion (None)", lambda: seen[-1:] == [None])


def children_watch():
    path = ROOT + "/cw"
    zk.ensure_path(path)
    seen = []
    zk.ChildrenWatch(path)(lambda children: seen.append(sorted(children)))
    wait_until("the initial ChildrenWatch call", lambda: seen == [[]])
    other.create(path + "/a")
    wait_until("ChildrenWatch [a]", lambda: seen[-1:] == [["a"]])
    other.create(path + "/b")
    wait_until("ChildrenWatch [a, b]", lambda: seen[-1:] == [["a", "b"]])
    other.delete(path + "/a")
    wait_until("ChildrenWatch [b]", lambda: seen[-1:] == [["b"]])


def transaction_commits():
    zk.create(ROOT + "/tx", b"0")
    zk.create(ROOT + "/tx/old")
    t = zk.transaction()
    t.create(ROOT + "/tx/new", b"n")
    t.set_data(ROOT + "/tx", b"1", version=0)
    t.check(ROOT + "/tx", 1)
    t.delete(ROOT + "/tx/old")
    results = t.commit()
    assert results[0] == ROOT + "/tx/new", results
    assert results[1].version == 1 and results[2] is True and results[3] is True, results
    assert zk.get_children(ROOT + "/tx") == ["new"]


def transaction_rolls_back():
    t = zk.transaction()
    t.create(ROOT + "/tx/never")
    t.check(ROOT + "/tx", 42)
    results = t.commit()
    assert isinstance(results[0], RolledBackError), results
    assert isinstance(results[1], BadVersionError), results
    assert zk.exists(ROOT + "/tx/never") is None


def digest_acl():
    c = connect(auth_data=[("digest", "alice:secret")])
    acl = make_digest_acl("alice", "secret", all=True)
    c.create(ROOT + "/secret", b"s", acl=[acl])
    assert c.get(ROOT + "/secret")[0] == b"s"
    try:
        other.get(ROOT + "/secret")
        raise AssertionError("expected NoAuthError")
    except NoAuthError:
        pass
    try:  # getACL needs READ or ADMIN, as in ZooKeeper since ZOOKEEPER-1392
        other.get_acls(ROOT + "/secret")
        raise AssertionError("expected NoAuthError from get_acls")
    except NoAuthError:
        pass
    other.add_auth("digest", "alice:secret")
    assert other.get(ROOT + "/secret")[0] == b"s"
    acls, stat = other.get_acls(ROOT + "/secret")
    assert acls[0].id.scheme == "digest" and acls[0].id.id == acl.id.id, acls
    c.set_acls(ROOT + "/secret", [make_digest_acl("alice", "secret", read=True)])
    assert c.get_acls(ROOT + "/secret")[1].aversion == 1
    c.stop()
    c.close()


def makepath_under_a_parent_without_create():
    owner = connect(auth_data=[("digest", "ann:pw")])
    owner.create(ROOT + "/no-create", b"", acl=[make_digest_acl("ann", "pw", all=True), make_acl("world", "anyone", read=True)])
    bob = connect(auth_data=[("digest", "bob:pw")])
    sid = bob.client_id[0]
    attempts = [
        ("create(makepath=True)", lambda: bob.create(ROOT + "/no-create/a/b", b"x", makepath=True)),
        ("ensure_path", lambda: bob.ensure_path(ROOT + "/no-create/c/d")),
        # make_acl("auth", None): kazoo writes the null id as jute length -1, which ZooKeeper accepts.
        ("create(makepath=True, acl=auth:None)",
         lambda: bob.create(ROOT + "/no-create/e/f", b"x", makepath=True, acl=[make_acl("auth", None, all=True)])),
    ]
    for label, attempt in attempts:
        try:
            attempt()
            raise AssertionError(label + ": expected NoAuthError")
        except NoAuthError:
            pass  # a dropped connection would have raised ConnectionLoss instead
    assert bob.get_children(ROOT + "/no-create") == []
    assert bob.client_id[0] == sid and bob.state == KazooState.CONNECTED
    bob.create(ROOT + "/auth-none/x", b"x", makepath=True, acl=[make_acl("auth", None, all=True)])
    acls, _ = bob.get_acls(ROOT + "/auth-none/x")
    assert [(a.id.scheme, a.id.id) for a in acls] == [("digest", make_digest_acl("bob", "pw").id.id)], acls
    for c in (owner, bob):
        c.stop()
        c.close()


def add_auth_ip():
    c = connect()
    sid = c.client_id[0]
    c.add_auth("ip", "anything")  # IPAuthenticationProvider ignores the bytes: AuthFailedError if refused
    c.create(ROOT + "/by-ip", b"i", acl=[make_acl("ip", "127.0.0.1", all=True)])
    assert c.get(ROOT + "/by-ip")[0] == b"i"
    assert c.client_id[0] == sid and c.state == KazooState.CONNECTED
    c.stop()
    c.close()


def sync_then_read():
    zk.sync(ROOT)
    assert zk.exists(ROOT) is not None


def lock_recipe():
    c = connect()
    lock_a = zk.Lock(ROOT + "/lock", "a")
    lock_b = c.Lock(ROOT + "/lock", "b")
    assert lock_a.acquire(timeout=5)
    try:
        lock_b.acquire(timeout=0.5)
        raise AssertionError("a second holder got the lock")
    except LockTimeout:
        pass
    got = threading.Event()
    threading.Thread(target=lambda: lock_b.acquire(timeout=10) and got.set(), daemon=True).start()
    wait_until("two contenders", lambda: len(lock_a.contenders()) == 2)
    assert lock_a.contenders() == ["a", "b"], lock_a.contenders()
    lock_a.release()
    assert got.wait(10), "b did not get the lock after a released it"
    lock_b.release()
    c.stop()
    c.close()


def election_recipe():
    c = connect()
    leaders = []
    release = threading.Event()

    def lead(name):
        leaders.append(name)
        release.wait(10)

    e1 = zk.Election(ROOT + "/election", "first")
    e2 = c.Election(ROOT + "/election", "second")
    t1 = threading.Thread(target=e1.run, args=(lead, "first"), daemon=True)
    t1.start()
    wait_until("the first leader", lambda: leaders == ["first"])
    t2 = threading.Thread(target=e2.run, args=(lead, "second"), daemon=True)
    t2.start()
    wait_until("two contenders", lambda: len(e1.contenders()) == 2)
    assert e1.contenders() == ["first", "second"], e1.contenders()
    release.set()  # the first leader's function returns: it leaves, the second leads
    wait_until("the second leader", lambda: leaders == ["first", "second"])
    t1.join(10)
    t2.join(10)
    c.stop()
    c.close()


def counter_recipe():
    c = connect()
    counter = zk.Counter(ROOT + "/counter")
    counter2 = c.Counter(ROOT + "/counter")
    counter += 5
    counter2 += 3
    counter -= 1
    assert counter.value == 7 and counter2.value == 7, (counter.value, counter2.value)

    def bump(cnt):
        for _ in range(10):
            cnt += 1

    threads = [threading.Thread(target=bump, args=(x,)) for x in (counter, counter2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counter.value == 27, counter.value
    fcounter = zk.Counter(ROOT + "/fcounter", default=0.5)
    fcounter += 2.25
    assert fcounter.value == 2.75
    c.stop()
    c.close()


def queue_and_party_recipes():
    q = zk.Queue(ROOT + "/queue")
    for item in (b"one", b"two", b"three"):
        q.put(item)
    assert len(q) == 3
    assert [q.get(), q.get(), q.get()] == [b"one", b"two", b"three"]
    party = zk.Party(ROOT + "/party", "me")
    party.join()
    assert list(party) == ["me"] and len(party) == 1
    party.leave()
    assert len(party) == 0


def tree_cache_recipe():
    from kazoo.recipe.cache import TreeCache, TreeEvent
    zk.ensure_path(ROOT + "/cache/a")
    cache = TreeCache(zk, ROOT + "/cache")
    events = []
    cache.listen(lambda ev: events.append(ev.event_type))
    cache.start()
    wait_until("the cache to initialise", lambda: TreeEvent.INITIALIZED in events)
    other.create(ROOT + "/cache/b", b"bee")
    wait_until("the cache to see b", lambda: cache.get_data(ROOT + "/cache/b") is not None)
    assert cache.get_data(ROOT + "/cache/b").data == b"bee"
    assert sorted(cache.get_children(ROOT + "/cache")) == ["a", "b"]
    cache.close()


def config_node_is_readable():
    data, stat = zk.get("/zookeeper/config")
    assert stat is not None
    assert zk.exists("/zookeeper") is not None


def close_session_removes_ephemerals():
    c = connect()
    c.create(ROOT + "/bye", ephemeral=True)
    sid = c.client_id[0]
    c.stop()
    c.close()
    assert other.exists(ROOT + "/bye") is None, "ephemeral of session 0x%x survived its close" % sid


for fn in [connected_with_session, server_version_from_envi, crud, create_with_stat_and_makepath, ephemeral_nodes,
           sequential_nodes, ensure_path_and_recursive_delete, get_children_with_stat_and_watch, data_watch,
           children_watch, transaction_commits, transaction_rolls_back, digest_acl, makepath_under_a_parent_without_create,
           add_auth_ip, sync_then_read, lock_recipe,
           election_recipe, counter_recipe, queue_and_party_recipes, tree_cache_recipe,
           config_node_is_readable, close_session_removes_ephemerals]:
    step(fn)

for c in (zk, other):
    c.stop()
    c.close()
print("DONE", flush=True)
