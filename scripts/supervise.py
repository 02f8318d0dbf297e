"""Run a command and start it again whenever it exits on its own.

    python scripts/supervise.py [--delay 2] -- celery -A config worker --loglevel=info

A Celery worker can stop for good when its broker disappears at a bad moment
(an "Unrecoverable error" in kombu's Redis transport). In production a service
manager restarts it (systemd's Restart=, compose's restart:); this does the same
for `make run` and the tests. SIGTERM and SIGINT are passed on and end both.
"""

import argparse
import signal
import subprocess
import sys
import time

stopping = False


def main(argv=None):
    parser = argparse.ArgumentParser(description="Restart a command whenever it exits.")
    parser.add_argument("--delay", type=float, default=2.0, help="seconds between restarts")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    child = None

    def stop(signum, frame):
        global stopping
        stopping = True
        if child and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        child = subprocess.Popen(command)
        code = child.wait()
        if stopping:
            return code
        print(f"supervise: {command[0]} exited with {code}; starting it again in "
              f"{args.delay:g} s", file=sys.stderr, flush=True)
        time.sleep(args.delay)
        if stopping:
            return code


if __name__ == "__main__":
    sys.exit(main())
