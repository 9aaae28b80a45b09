"""Exit 0 when the PostgreSQL and Redis URLs given both answer, 1 otherwise."""

import socket
import sys
from urllib.parse import urlsplit


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port), timeout=2):
            return True
    except OSError:
        return False


sys.exit(0 if all(reachable(u) for u in sys.argv[1:]) else 1)
