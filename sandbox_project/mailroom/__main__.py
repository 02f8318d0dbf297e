"""Run the local mail services: `python -m mailroom`."""

import asyncio
import logging
import signal
import sys

from mailroom.chaos import Chaos
from mailroom.config import Config
from mailroom.server import ServiceError, serve

# Exit status for a configuration or startup problem, as for a command-line usage error.
EXIT_STARTUP = 2


def main() -> int:
    """Read the environment, serve until SIGTERM or SIGINT, return the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        config, chaos = Config.from_env(), Chaos.from_env()
    except ValueError as exc:
        return _fail(f"invalid setting: {exc}")
    try:
        asyncio.run(_run(config, chaos))
    except ServiceError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        pass
    return 0


async def _run(config, chaos):
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, stop.set)
        except NotImplementedError:
            # Windows has no loop signal handlers; Ctrl+C still raises KeyboardInterrupt.
            pass
    await serve(config, chaos, stop, out=_announce)


def _announce(line):
    # Flushed at once: a parent process may be reading these lines through a pipe.
    print(line, flush=True)


def _fail(message):
    print(f"mailroom: {message}", file=sys.stderr, flush=True)
    return EXIT_STARTUP


if __name__ == "__main__":
    sys.exit(main())
