"""A Patroni-like PostgreSQL cluster on python3-kazoo against a three-server Warden ensemble.

Usage: kazoo_patroni.py HOST:PORT,HOST:PORT,HOST:PORT
Three simulated Patroni members (threads, each with its own client and session, set up as
Patroni 3.0 sets up kazoo; see patroni_dcs.py) run Patroni's HA cycle: load the cluster with
watches, touch their member key, race for /initialize on bootstrap, hold or race for
/leader, write /status (and the legacy /optime/leader, as one member runs Patroni 2.0),
follow /config as an operator edits it with versions (patronictl edit-config). The leader
then shuts down as Patroni does (a new session: its ephemerals go) and another must take
over; it comes back as a replica. Prints "PASS <step>" or "FAIL <step>: <error>" for each
step (a failed step ends the flow: the later ones say "not run"), then "DONE ok" (exit 0) or
"DONE failed" (exit 1). The test (kazoo-patroni.test.ts) expects a PASS for each step.
"""
import json
import sys
import threading
import time
import traceback
import zlib

from compat_steps import failed, step  # noqa: F401
from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import BadVersionError, NoNodeError

sys.dont_write_bytecode = True  # no __pycache__ left beside the sources
from patroni_dcs import ZooKeeperDcs  # noqa: E402

HOSTS = sys.argv[1]
SCOPE = "batman"
LOOP_WAIT = 1
DYNAMIC_CONFIG = {"ttl": 10, "loop_wait": LOOP_WAIT, "retry_timeout": 5, "maximum_lag_on_failover": 1048576,
                  "postgresql": {"use_pg_rewind": True, "use_slots": True, "parameters": {
                      "max_connections": 100, "wal_level": "replica", "hot_standby": "on", "max_wal_senders": 10,
                      "max_replication_slots": 10, "wal_log_hints": "on"}}}
# What an operator tunes with patronictl edit-config, one setting at a time.
TUNING = [("shared_buffers", "2GB"), ("effective_cache_size", "6GB"), ("work_mem", "16MB"),
          ("maintenance_work_mem", "512MB"), ("checkpoint_timeout", "15min"), ("max_wal_size", "4GB"),
          ("min_wal_size", "1GB"), ("random_page_cost", 1.1), ("effective_io_concurrency", 200),
          ("default_statistics_target", 200), ("log_min_duration_statement", "500ms"),
          ("log_checkpoints", "on"), ("log_lock_waits", "on"), ("track_io_timing", "on"),
          ("idle_in_transaction_session_timeout", "10min"), ("autovacuum_max_workers", 5)]


def wait_until(what, probe, timeout=20.0):
    deadline = time.time() + timeout
    while not probe():
        if time.time() > deadline:
            raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(0.05)




class PatroniMember:
    """One Patroni process: its HA cycle on a thread, every loop_wait or when a watch fires."""

    def __init__(self, name, address, version="3.0.4", start_line=None):
        self.name, self.address, self.version = name, address, version
        self.dcs = ZooKeeperDcs(HOSTS, name, SCOPE, loop_wait=LOOP_WAIT)
        self.role, self.sysid, self.lsn, self.timeline = "uninitialized", None, 0, 1
        self.tags = {}
        self.raced = self.bootstrapped = self.promoted = False
        self.promotion_results = None
        self.errors = []
        self._start_line = start_line
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def data(self):
        return {"conn_url": "postgres://%s:5432/postgres" % self.address, "api_url": "http://%s:8008/patroni" % self.address,
                "state": "running", "role": "master" if self.role == "leader" else self.role, "version": self.version,
                "xlog_location": self.lsn, "timeline": self.timeline, "tags": self.tags}

    def _run(self):
        if self._start_line:
            self._start_line.wait(10)  # the members start together: the bootstrap is a race
        while not self._stopped.is_set():
            try:
                self.cycle()
            except Exception as e:  # noqa: BLE001 - Patroni logs a failed cycle and runs the next
                self.errors.append("%r | %s" % (e, " / ".join(traceback.format_exc().strip().splitlines()[-3:])))
            self.dcs.watch(LOOP_WAIT)

    def cycle(self):
        cluster = self.dcs.get_cluster()
        if self.role != "uninitialized":
            self.dcs.touch_member(self.data())
        if cluster.initialize is None:
            if cluster.leader is None:
                self.raced = True
                if self.dcs.initialize(create_new=True):
                    self.bootstrap()
            return
        if self.sysid is None:
            # A replica's basebackup needs a running leader: the cluster's system id comes with it.
            if cluster.leader and cluster.leader.name != self.name and cluster.initialize:
                self.sysid, self.role = cluster.initialize, "replica"
                self.dcs.touch_member(self.data())
            return
        if cluster.leader is None:
            if self.healthiest(cluster) and self.dcs.attempt_to_acquire_leader():
                self.promote(cluster)
            return
        if cluster.leader.name == self.name:
            self.lsn += 16384
            self.dcs.update_leader(cluster.leader, self.lsn)
        else:
            self.role, self.lsn = "replica", max(self.lsn, cluster.last_lsn)

    def bootstrap(self):
        """initdb, then: the system id into /initialize, the dynamic config, the leader key."""
        self.bootstrapped = True
        self.sysid = "7%018d" % zlib.crc32(self.name.encode())
        self.role, self.lsn = "leader", 50331648
        self.dcs.initialize(create_new=False, sysid=self.sysid)
        self.dcs.set_config_value(json.dumps(DYNAMIC_CONFIG, separators=(",", ":")))
        self.dcs.set_history_value("[]")
        if not self.dcs.attempt_to_acquire_leader():
            raise AssertionError("the bootstrapper could not take the leader key")
        self.dcs.update_leader(self.dcs.get_cluster().leader, self.lsn)
        self.dcs.touch_member(self.data())

    def healthiest(self, cluster):
        """Patroni's is_healthiest_node, on the members' reported positions."""
        others = [m for m in cluster.members if m.name != self.name and m.data.get("role") == "replica"]
        return all(self.lsn >= m.data.get("xlog_location", 0) for m in others)

    def promote(self, cluster):
        self.promoted, self.role = True, "leader"
        history = (cluster.history or []) + [[self.timeline, self.lsn, "no recovery target specified"]]
        self.timeline += 1
        self.promotion_results = self.dcs.record_promotion(history, self.lsn)
        self.dcs.touch_member(self.data())

    def shutdown(self):
        """Patroni's shutdown of a leader: stop the HA loop, delete the leader key (a new session), exit."""
        self.stop()
        self.dcs.delete_leader()
        self.dcs.close()

    def stop(self):
        self._stopped.set()
        self.dcs.event.set()
        self._thread.join(15)
        if self._thread.is_alive():
            raise AssertionError("%s's HA loop did not stop within 15 s" % self.name)


start_line = threading.Barrier(3)
members = [PatroniMember("postgresql0", "10.0.0.10", start_line=start_line),
           PatroniMember("postgresql1", "10.0.0.11", start_line=start_line),
           PatroniMember("postgresql2", "10.0.0.12", version="2.0.2", start_line=start_line)]
retired = []  # members that shut down
operator = KazooClient(hosts=HOSTS, timeout=10.0)  # patronictl, and the checks
operator.start(timeout=15)
base = "/service/" + SCOPE


def by_name(name):
    return [m for m in members if m.name == name][0]


def leader_name():
    try:
        return operator.get(base + "/leader")[0].decode()
    except NoNodeError:
        return None


def leader_member():
    return by_name(leader_name())


def patroni_clients_connect():
    for m in members:
        assert m.dcs._client.state == KazooState.CONNECTED, (m.name, m.dcs._client.state)
    assert len({m.dcs.session_id for m in members}) == 3


def bootstrap_race_is_won_once():
    wait_until("every member to know the cluster's system id", lambda: all(m.sysid for m in members))
    winners = [m.name for m in members if m.bootstrapped]
    assert len(winners) == 1, winners
    print("INFO %d members raced to create /initialize; %s won" % (len([m for m in members if m.raced]), winners[0]), flush=True)
    sysid, stat = operator.get(base + "/initialize")
    assert {m.sysid for m in members} == {sysid.decode()}, (sysid, [m.sysid for m in members])
    config, stat = operator.get(base + "/config")
    assert json.loads(config) == DYNAMIC_CONFIG and stat.version == 0, (config, stat)


def leader_key_is_the_bootstrappers_ephemeral():
    data, stat = operator.get(base + "/leader")
    winner = [m for m in members if m.bootstrapped][0]
    assert data.decode() == winner.name and stat.ephemeralOwner == winner.dcs.session_id, (data, stat)


def members_are_ephemerals_with_json():
    def registered():
        return sorted(operator.get_children(base + "/members")) == sorted(m.name for m in members)
    wait_until("three member keys", registered)
    for m in members:
        data, stat = operator.get(base + "/members/" + m.name)
        assert stat.ephemeralOwner == m.dcs.session_id, (m.name, stat)
        doc = json.loads(data)
        assert doc["conn_url"].startswith("postgres://") and doc["version"] == m.version, doc
    wait_until("the replicas' member keys to say replica", lambda: sorted(json.loads(operator.get(base + "/members/" + m.name)[0])["role"] for m in members) == ["master", "replica", "replica"])


def status_and_optime_advance_with_versions():
    first, stat1 = operator.get(base + "/status")
    wait_until("the leader to write /status twice more", lambda: operator.get(base + "/status")[1].version >= stat1.version + 2)
    second, stat2 = operator.get(base + "/status")
    assert json.loads(second)["optime"] > json.loads(first)["optime"], (first, second)
    # postgresql2 runs Patroni 2.0: the leader keeps the legacy key too.
    wait_until("the leader to write the legacy /optime/leader", lambda: operator.exists(base + "/optime/leader"))
    optime, _ = operator.get(base + "/optime/leader")
    assert int(optime) >= json.loads(first)["optime"], optime


def config_edits_with_versions_reach_every_member():
    sizes = []
    for key, value in TUNING:
        data, stat = operator.get(base + "/config")
        config = json.loads(data)
        config["postgresql"]["parameters"][key] = value
        text = json.dumps(config, separators=(",", ":")).encode()
        new_stat = operator.set(base + "/config", text, version=stat.version)
        assert new_stat.version == stat.version + 1
        sizes.append(len(text))
        wait_until("every member to load /config version %d" % new_stat.version,
                   lambda: all(m.dcs.cluster and m.dcs.cluster.config and m.dcs.cluster.config.version == new_stat.version for m in members), 10)
    try:
        operator.set(base + "/config", b"{}", version=0)
        raise AssertionError("a write of /config with a stale version succeeded")
    except BadVersionError:
        pass
    print("INFO /config grew from %d to %d bytes" % (sizes[0], sizes[-1]), flush=True)


def member_key_change_wakes_the_others():
    leader = leader_member()
    replica = [m for m in members if m is not leader][0]
    seen = len(leader.dcs.watched)
    replica.tags = {"nofailover": False, "clonefrom": True}  # a tag change: the key is deleted and created again
    wait_until("the leader to see the replica's new tags",
               lambda: any(m.name == replica.name and m.data.get("tags") == replica.tags for m in (leader.dcs.cluster.members if leader.dcs.cluster else [])))
    events = leader.dcs.watched[seen:]
    assert ("CHILD", base + "/members") in events, events


def retry_after_the_connection_drops():
    m = members[1]
    session = m.dcs.session_id
    errors_before = len(m.errors)
    m.dcs.reload_config(LOOP_WAIT)  # closes the socket, as Patroni does when loop_wait changes
    cluster = m.dcs.get_cluster()  # client.retry: through ConnectionLoss to a new connection
    assert cluster.initialize and m.dcs.session_id == session, (session, m.dcs.session_id)
    assert operator.exists(base + "/members/" + m.name).ephemeralOwner == session
    # Its own HA cycle may have called without retry while it reconnected: Patroni's client
    # fails such calls at once (SessionExpiredError while CONNECTING), Patroni logs them.
    expected = [e for e in m.errors[errors_before:] if e.startswith(("SessionExpiredError", "ConnectionLoss"))]
    m.errors = [e for e in m.errors if e not in expected]


def leadership_moves_when_the_leaders_session_ends():
    global members
    old = leader_member()
    retired.append(old)
    optime_before = json.loads(operator.get(base + "/status")[0])["optime"]
    # A replica takes the leader's position from /status once per HA cycle: until each has read
    # this one, the member promoted next may start from an older position (as an asynchronous
    # Patroni replica may), and /status would go back for a reason that is not the store's.
    wait_until("the replicas to reach the leader's optime",
               lambda: all(m.lsn >= optime_before for m in members if m is not old))
    old.shutdown()
    members = [m for m in members if m is not old]
    wait_until("another member to hold /leader", lambda: leader_name() not in (None, old.name))
    new = leader_member()
    assert operator.exists(base + "/leader").ephemeralOwner == new.dcs.session_id
    # The member marks itself promoted just after its create of /leader returns: the key may be seen first.
    wait_until("the new leader to mark itself promoted", lambda: new.promoted)
    assert [m.name for m in members if m.promoted] == [new.name], [m.name for m in members if m.promoted]
    wait_until("the new leader's promotion record", lambda: new.promotion_results is not None)
    assert len(new.promotion_results) == 3 and new.promotion_results[0] is True, new.promotion_results
    history = json.loads(operator.get(base + "/history")[0])
    assert history[-1][0] == 1 and new.timeline == 2, (history, new.timeline)
    assert json.loads(operator.get(base + "/status")[0])["optime"] >= optime_before
    wait_until("the old leader's member key to go", lambda: old.name not in operator.get_children(base + "/members"))


def old_leader_rejoins_as_a_replica():
    old = retired[-1]
    back = PatroniMember(old.name, old.address, old.version)
    members.append(back)
    wait_until("%s to come back as a replica" % old.name, lambda: back.role == "replica" and back.name in operator.get_children(base + "/members"))
    data, stat = operator.get(base + "/members/" + back.name)
    assert stat.ephemeralOwner == back.dcs.session_id and json.loads(data)["role"] == "replica", (data, stat)
    assert leader_member().name != back.name


def no_ha_cycle_failed():
    errors = ["%s: %s" % (m.name, e) for m in members + retired for e in m.errors]
    assert not errors, errors


for fn in [patroni_clients_connect, bootstrap_race_is_won_once, leader_key_is_the_bootstrappers_ephemeral,
           members_are_ephemerals_with_json, status_and_optime_advance_with_versions,
           config_edits_with_versions_reach_every_member, member_key_change_wakes_the_others,
           retry_after_the_connection_drops, leadership_moves_when_the_leaders_session_ends,
           old_leader_rejoins_as_a_replica, no_ha_cycle_failed]:
    step(fn, ends_flow=True)
for m in members:
    try:
        m.stop()
    finally:
        m.dcs.close()
operator.stop()
operator.close()
print("DONE " + ("failed" if failed else "ok"), flush=True)
sys.exit(1 if failed else 0)
