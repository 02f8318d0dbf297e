"""Print a service URL when something answers at it, else nothing (used by `make test`).

    python scripts/service_url.py postgres   -> postgres://postgres@127.0.0.1:5432/test
    python scripts/service_url.py redis      -> redis://127.0.0.1:6379/15
"""

import os
import socket
import sys

DEFAULTS = {
    "postgres": ("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test", 5432),
    "redis": ("TEST_REDIS_URL", "redis://127.0.0.1:6379/15", 6379),
}


def answers(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def main(name):
    variable, default, port = DEFAULTS[name]
    url = os.environ.get(variable, default)
    if url and answers(port):
        print(url)


if __name__ == "__main__":
    main(sys.argv[1])
