"""The listening socket, bound before the app opens any state (so a busy port changes no file)."""

from __future__ import annotations

import socket


def bind(host: str, port: int) -> socket.socket:
    """A bound (not yet listening) TCP socket; waitress calls listen() on it.

    :raise OSError: the address is busy, or not one of this machine's.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        # As waitress does: a restart may bind while old connections sit in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock
