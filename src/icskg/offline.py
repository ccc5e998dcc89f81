"""Cut a process off from every network, so that nothing it runs can make a request.

A query engine that follows ``SERVICE <url>`` (pyoxigraph does) or a parser that fetches a
remote document can be made to call any address the server can reach. Spotting keywords in a
query's text is a friendly first answer, not a defence: the engine, not icskg, decides what it
fetches. So the processes that run strangers' queries and parse their uploads move into a
network namespace of their own that has no interface but a loopback that is down: every
connection, to any address including the host's own, fails before a packet is sent.

As root this needs one ``unshare(CLONE_NEWNET)``; unprivileged, a user namespace as well, where
the kernel allows it. Where neither is possible the caller refuses to run the work (fail closed).
"""

from __future__ import annotations

import ctypes
import os

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000


class NetworkNotIsolated(OSError):
    """This process could not be cut off from the network, so it must not run strangers' work."""


def _unshare(flags: int) -> None:
    unshare = getattr(os, "unshare", None)  # Python 3.12+
    if unshare is not None:
        unshare(flags)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(ctypes.c_int(flags)) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def cut_off_network() -> str:
    """Move this process (which must still be single-threaded) into a new network namespace
    with no usable interface; returns how it was done.

    :raises NetworkNotIsolated: when neither a network namespace nor a user and network
        namespace can be made here, naming why.
    """
    failures = []
    for flags, how in ((CLONE_NEWNET, "network namespace"),
                       (CLONE_NEWUSER | CLONE_NEWNET, "user and network namespace")):
        try:
            _unshare(flags)
        except (OSError, AttributeError) as exc:
            failures.append(f"{how}: {exc}")
            continue
        return how
    raise NetworkNotIsolated(
        "This process cannot be cut off from the network ("
        + "; ".join(failures)
        + "), so it runs no query or upload. Run icskg as root, or where unprivileged user "
        "namespaces are allowed (sysctl user.max_user_namespaces > 0), or in a container started "
        "with --cap-add SYS_ADMIN."
    )
