"""Debian's python3-kazoo against Warden's secureClientPort (ZooKeeper's protocol over TLS).

Usage: kazoo_tls.py HOST:PORT CA CLIENT_CERT CLIENT_KEY OTHER_CERT OTHER_KEY CLIENT_DN
Prints "PASS <step>" or "FAIL <step>: <error>" for each step, then "DONE".
"""
import sys
import traceback

from compat_steps import step
from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError
from kazoo.security import make_acl

HOSTS, CA, CERT, KEY, OTHER_CERT, OTHER_KEY, DN = sys.argv[1:8]


def connect(certfile=None, keyfile=None, timeout=10.0):
    c = KazooClient(hosts=HOSTS, timeout=timeout, use_ssl=True, verify_certs=True, ca=CA, certfile=certfile, keyfile=keyfile)
    c.start(timeout=timeout)
    return c


def crud_over_tls():
    c = connect(CERT, KEY)
    try:
        c.create("/kz-tls", b"over tls")
        data, stat = c.get("/kz-tls")
        assert data == b"over tls", data
        c.set("/kz-tls", b"again", version=stat.version)
        assert c.get("/kz-tls")[0] == b"again"
        c.delete("/kz-tls")
        assert c.exists("/kz-tls") is None
    finally:
        c.stop()
        c.close()


def x509_acl():
    owner = connect(CERT, KEY)
    other = connect(OTHER_CERT, OTHER_KEY)
    try:
        owner.create("/kz-x509", b"mine", acl=[make_acl("x509", DN, all=True)])
        assert owner.get("/kz-x509")[0] == b"mine"
        try:
            other.get("/kz-x509")
            raise AssertionError("another certificate read a node only %s may read" % DN)
        except NoAuthError:
            pass
        acl, _ = owner.get_acls("/kz-x509")
        assert [(a.id.scheme, a.id.id) for a in acl] == [("x509", DN)], acl
    finally:
        for c in (owner, other):
            c.stop()
            c.close()


def no_certificate_refused():
    try:
        c = connect(timeout=3.0)
    except Exception:  # noqa: BLE001 - the handshake failure or kazoo's timeout
        return
    c.stop()
    c.close()
    raise AssertionError("a client without a certificate got a session (ssl.clientAuth=need)")


step(crud_over_tls)
step(x509_acl)
step(no_certificate_refused)
print("DONE", flush=True)
