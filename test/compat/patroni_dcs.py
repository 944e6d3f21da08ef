"""Patroni 3.0's ZooKeeper DCS on python3-kazoo, trimmed to what a cluster of one scope uses.

Read from patroni/dcs/zookeeper.py and patroni/dcs/__init__.py at tag v3.0.4 (MIT licence):
the same client setup (PatroniSequentialThreadingHandler, PatroniKazooClient, KazooRetry with
max_tries=-1 and a deadline, the read timeout taken from loop_wait), the same paths under
/<namespace>/<scope>/, and the same calls for each DCS operation. Left out: Citus groups,
failsafe, sync replication, x509 ACLs, and Patroni's objects (Cluster, Member, Leader are
plain tuples here). One addition: record_promotion() writes the new leader's /history and
/status in one transaction checked against its own /leader (Patroni writes them one by one).
"""
import json
import select
import threading
import time
from collections import namedtuple

from kazoo.client import KazooClient, KazooRetry, KazooState
from kazoo.exceptions import ConnectionClosedError, NoNodeError, NodeExistsError, SessionExpiredError
from kazoo.handlers.threading import SequentialThreadingHandler
from kazoo.protocol.states import KeeperState
from kazoo.retry import RetryFailedError

Cluster = namedtuple("Cluster", "initialize config leader last_lsn members history")
ClusterConfig = namedtuple("ClusterConfig", "version data mzxid")
Leader = namedtuple("Leader", "version session name")
Member = namedtuple("Member", "name version session data")


class ZooKeeperError(Exception):
    pass


class PatroniSequentialThreadingHandler(SequentialThreadingHandler):
    """Tries each server for loop_wait/2 ("fail earlier and retry more often")."""

    def __init__(self, connect_timeout):
        super().__init__()
        self._connect_timeout = max(1.0, connect_timeout / 2.0)

    def create_connection(self, *args, **kwargs):
        args_list = list(args)
        if len(args_list) == 0:
            kwargs["timeout"] = max(self._connect_timeout, kwargs.get("timeout", self._connect_timeout * 10) / 10.0)
        elif len(args_list) == 1:
            args_list.append(self._connect_timeout)
        else:
            args_list[1] = max(self._connect_timeout, args_list[1] / 10.0)
        return super().create_connection(*args_list, **kwargs)

    def select(self, *args, **kwargs):
        try:
            return super().select(*args, **kwargs)
        except (TypeError, ValueError) as e:
            raise select.error(9, str(e))


class PatroniKazooClient(KazooClient):
    """Requests made while connecting fail at once (kazoo >= 2.7 would queue them)."""

    def _call(self, request, async_object):
        if self._state == KeeperState.CONNECTING:
            async_object.set_exception(SessionExpiredError())
            return False
        return super()._call(request, async_object)


class ZooKeeperDcs:
    _INITIALIZE, _CONFIG, _LEADER, _HISTORY, _MEMBERS = "initialize", "config", "leader", "history", "members/"
    _OPTIME, _STATUS = "optime", "status"
    _LEADER_OPTIME = _OPTIME + "/" + _LEADER  # legacy, for members older than Patroni 2.1

    def __init__(self, hosts, name, scope, namespace="/service", ttl=10, loop_wait=1, retry_timeout=5):
        self._name = name
        self._base_path = "/".join(["", namespace.strip("/"), scope])
        self.loop_wait = loop_wait
        self.event = threading.Event()
        self.watched = []  # (type, path) of each watch event, for the checks
        self._last_status = None
        self._last_lsn = None
        self.__last_member_data = None
        self.cluster = None
        self._client = PatroniKazooClient(
            hosts, handler=PatroniSequentialThreadingHandler(retry_timeout), timeout=ttl,
            connection_retry=KazooRetry(max_delay=1, max_tries=-1, sleep_func=time.sleep),
            command_retry=KazooRetry(max_delay=1, max_tries=-1, deadline=retry_timeout, sleep_func=time.sleep))
        self._client.add_listener(self.session_listener)
        self._orig_kazoo_connect = self._client._connection._connect
        self._client._connection._connect = self._kazoo_connect
        self._client.start()

    # Paths
    def client_path(self, path):
        return "/".join([self._base_path, path])

    initialize_path = property(lambda self: self.client_path(self._INITIALIZE))
    config_path = property(lambda self: self.client_path(self._CONFIG))
    leader_path = property(lambda self: self.client_path(self._LEADER))
    history_path = property(lambda self: self.client_path(self._HISTORY))
    status_path = property(lambda self: self.client_path(self._STATUS))
    leader_optime_path = property(lambda self: self.client_path(self._LEADER_OPTIME))
    members_path = property(lambda self: self.client_path(self._MEMBERS))
    member_path = property(lambda self: self.client_path(self._MEMBERS + self._name))

    @property
    def session_id(self):
        return self._client.client_id and self._client.client_id[0]

    def _kazoo_connect(self, *args):
        # Patroni: a ping goes unanswered after read_timeout/2; take it from loop_wait, not the ttl.
        ret = self._orig_kazoo_connect(*args)
        return max(self.loop_wait - 2, 2) * 1000, ret[1]

    def session_listener(self, state):
        if state in [KazooState.SUSPENDED, KazooState.LOST]:
            self.cluster_watcher(None)

    def cluster_watcher(self, event):
        if event is not None:
            self.watched.append((event.type, event.path))
        self.event.set()

    def reload_config(self, loop_wait):
        """Patroni drops its connection when loop_wait changes, so the read timeout follows it."""
        self.loop_wait = loop_wait
        self._client._connection._socket.close()

    # Reading the cluster
    def get_node(self, key, watch=None):
        try:
            ret = self._client.get(key, watch)
            return (ret[0].decode("utf-8"), ret[1])
        except NoNodeError:
            return None

    def get_children(self, key, watch=None):
        try:
            return self._client.get_children(key, watch)
        except NoNodeError:
            return []

    def load_members(self, path):
        members = []
        for member in self.get_children(path + self._MEMBERS, self.cluster_watcher):
            data = self.get_node(path + self._MEMBERS + member)
            if data is not None:
                members.append(Member(member, data[1].version, data[1].ephemeralOwner, json.loads(data[0])))
        return members

    def _cluster_loader(self, path):
        self.event.clear()
        nodes = set(self.get_children(path, self.cluster_watcher))
        initialize = (self.get_node(path + self._INITIALIZE) or [None])[0] if self._INITIALIZE in nodes else None
        config = self.get_node(path + self._CONFIG, watch=self.cluster_watcher) if self._CONFIG in nodes else None
        config = config and ClusterConfig(config[1].version, json.loads(config[0]), config[1].mzxid)
        history = self.get_node(path + self._HISTORY, watch=self.cluster_watcher) if self._HISTORY in nodes else None
        history = history and json.loads(history[0])
        members = self.load_members(path) if self._MEMBERS[:-1] in nodes else []
        leader = self.get_node(path + self._LEADER) if self._LEADER in nodes else None
        leader = leader and Leader(leader[1].version, leader[1].ephemeralOwner, leader[0])
        status = self.get_node(path + self._STATUS, None if leader and leader.name == self._name else self.cluster_watcher)
        last_lsn = int(json.loads(status[0]).get(self._OPTIME, 0)) if status else 0
        return Cluster(initialize, config, leader, last_lsn, members, history)

    def get_cluster(self):
        try:
            self.cluster = self._client.retry(self._cluster_loader, self._base_path + "/")
        except Exception as e:
            self.cluster_watcher(None)
            raise ZooKeeperError("ZooKeeper in not responding properly: %r" % (e,))
        return self.cluster

    def watch(self, timeout):
        return self.event.wait(timeout + 0.5)

    # Writing
    def _create(self, path, value, retry=False, ephemeral=False):
        try:
            if retry:
                self._client.retry(self._client.create, path, value, makepath=True, ephemeral=ephemeral)
            else:
                self._client.create_async(path, value, makepath=True, ephemeral=ephemeral).get(timeout=1)
            return True
        except NodeExistsError:
            return False

    def _set_or_create(self, key, value, version=None, retry=False):
        value_bytes = value.encode("utf-8")
        try:
            if retry:
                ret = self._client.retry(self._client.set, key, value_bytes, version=version or -1)
            else:
                ret = self._client.set_async(key, value_bytes, version=version or -1).get(timeout=1)
            return ret.version
        except NoNodeError:
            if version is None and self._create(key, value_bytes, retry):
                return 0
        except Exception:
            pass
        return False

    def initialize(self, create_new=True, sysid=""):
        """The bootstrap race: whoever creates /initialize runs initdb."""
        sysid_bytes = sysid.encode("utf-8")
        return self._create(self.initialize_path, sysid_bytes, retry=True) if create_new \
            else self._client.retry(self._client.set, self.initialize_path, sysid_bytes)

    def set_config_value(self, value, version=None):
        return self._set_or_create(self.config_path, value, version, retry=True) is not False

    def set_history_value(self, value):
        return self._set_or_create(self.history_path, value) is not False

    def attempt_to_acquire_leader(self):
        try:
            self._client.retry(self._client.create, self.leader_path, self._name.encode("utf-8"), makepath=True, ephemeral=True)
            return True
        except (ConnectionClosedError, RetryFailedError) as e:
            raise ZooKeeperError(e)
        except NodeExistsError:
            return False

    def touch_member(self, data):
        """The member's ephemeral with its JSON: deleted and created again when its session or
        its tags, state or version changed, set when other fields changed."""
        member = self.cluster and ([m for m in self.cluster.members if m.name == self._name] or [None])[0]
        member_data = self.__last_member_data or member and member.data
        if member and (self.session_id is not None and member.session != self.session_id
                       or not (member_data and member_data.get("tags", {}) == data.get("tags", {})
                               and member_data.get("state") == data.get("state")
                               and member_data.get("version") == data.get("version"))):
            try:
                self._client.delete_async(self.member_path).get(timeout=1)
            except NoNodeError:
                pass
            member = None
        encoded_data = json.dumps(data, separators=(",", ":")).encode("utf-8")
        if member and member_data:
            if data == member_data:
                return True
        else:
            try:
                self._client.create_async(self.member_path, encoded_data, makepath=True, ephemeral=True).get(timeout=1)
                self.__last_member_data = data
                return True
            except NodeExistsError:
                pass
        self._client.set_async(self.member_path, encoded_data).get(timeout=1)
        self.__last_member_data = data
        return True

    def write_status(self, value):
        """/status as JSON; /optime/leader too while some member runs Patroni older than 2.1."""
        if self._last_status != value and self._set_or_create(self.status_path, json.dumps(value, separators=(",", ":"))) is not False:
            self._last_status = value
        versions = [tuple(int(x) for x in m.data.get("version", "0").split(".")) for m in (self.cluster.members if self.cluster else [])]
        if versions and min(versions) < (2, 1, 0) and self._last_lsn != value[self._OPTIME]:
            self._last_lsn = value[self._OPTIME]
            self._set_or_create(self.leader_optime_path, str(value[self._OPTIME]))

    def _update_leader(self, leader):
        if self.session_id and self.session_id != leader.session:
            try:
                self._client.retry(self._client.delete, self.leader_path)
            except NoNodeError:
                pass
            self._client.retry(self._client.create, self.leader_path, self._name.encode("utf-8"), makepath=True, ephemeral=True)
        return True

    def update_leader(self, leader, last_lsn):
        ret = self._update_leader(leader)
        if ret and last_lsn:
            self.write_status({self._OPTIME: last_lsn})
        return ret

    def delete_leader(self):
        """Patroni 3.0's _delete_leader: a new session, so the leader key (an ephemeral) goes at once."""
        self._client.restart()
        return True

    def record_promotion(self, history, last_lsn):
        """The new leader's history and status, atomically, only while /leader is its own."""
        stat = self._client.retry(self._client.exists, self.leader_path)
        if stat is None or stat.ephemeralOwner != self.session_id:
            return None
        t = self._client.transaction()
        t.check(self.leader_path, stat.version)
        t.set_data(self.history_path, json.dumps(history, separators=(",", ":")).encode("utf-8"))
        t.set_data(self.status_path, json.dumps({self._OPTIME: last_lsn}, separators=(",", ":")).encode("utf-8"))
        return self._client.retry(t.commit)

    def close(self):
        self._client.stop()
        self._client.close()
