"""Measure how fast the SMTP catcher ingests mail, against a bare aiosmtpd server.

Both servers run in a background event loop of this process and are driven by
the same smtplib client, so the ratio ours/ceiling shows what the catcher's own
work costs: chaos checks, SQLite storage (committed before each 250) and pruning.
The ratio is the median of per-round ratios, each from two back-to-back runs.

    .venv/bin/python bench/bench_catcher.py [--one 2000] [--per 500] [--rounds 5]
"""

import argparse
import smtplib
import sys
import tempfile
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from statistics import median

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sandbox_project"))

from mailroom.config import Config  # noqa: E402
from mailroom.runner import LOOPBACK, MailroomThread, free_ports  # noqa: E402
from mailroom.smtp import SERVER_NAME  # noqa: E402

SENDER = "library@example.com"
RECIPIENTS = ["reader@example.com"]


class NoopHandler:
    """Accept every message and keep nothing."""

    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def sample_message() -> bytes:
    """Return a typical notification email: text and HTML, about 3 KB."""
    message = EmailMessage()
    message["Subject"] = "Your order #1042 has shipped"
    message["From"] = f"Library System <{SENDER}>"
    message["To"] = RECIPIENTS[0]
    message.set_content("Hello reader,\n\n" + "Your books are on their way.\n" * 30)
    html = "<p>Hello reader,</p>\n" + "<p>Your books are <b>on their way</b>.</p>\n" * 30
    message.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    return message.as_bytes(policy=SMTP)


def send_over_one_connection(port, raw, count):
    """Send `count` messages over one SMTP session; return messages per second."""
    started = time.perf_counter()
    with smtplib.SMTP(LOOPBACK, port) as client:
        for _ in range(count):
            client.sendmail(SENDER, RECIPIENTS, raw)
    return count / (time.perf_counter() - started)


def send_one_per_connection(port, raw, count):
    """Send `count` messages, each over a new SMTP session; return messages per second."""
    started = time.perf_counter()
    for _ in range(count):
        with smtplib.SMTP(LOOPBACK, port) as client:
            client.sendmail(SENDER, RECIPIENTS, raw)
    return count / (time.perf_counter() - started)


def start_ceiling(port, limit):
    """Start a bare aiosmtpd Controller with a no-op handler on `port`."""
    controller = Controller(
        NoopHandler(),
        hostname=LOOPBACK,
        port=port,
        server_hostname=SERVER_NAME,
        data_size_limit=limit,
        enable_SMTPUTF8=True,
    )
    controller.start()
    return controller


def start_mailroom(data_dir):
    """Start the mailroom services, durable store included, on free ports."""
    smtp_port, secure_port, http_port = free_ports(3)
    config = Config(
        host=LOOPBACK,
        smtp_port=smtp_port,
        secure_port=secure_port,
        http_port=http_port,
        data_dir=data_dir,
    )
    return MailroomThread(config).start()


def measure(modes, raw, rounds, ports):
    """Return {mode: [(ceiling rate, mailroom rate), ...]}, one pair per round.

    The two servers run back to back in each round, in alternating order, so that
    load from other processes on the machine hits both members of a pair alike.
    """
    for port in ports.values():
        for send, _ in modes.values():
            send(port, raw, 20)  # warm-up
    pairs = {mode: [] for mode in modes}
    for round_number in range(rounds):
        order = list(ports) if round_number % 2 == 0 else list(reversed(ports))
        for mode, (send, count) in modes.items():
            rates = {server: send(ports[server], raw, count) for server in order}
            pairs[mode].append((rates["ceiling"], rates["mailroom"]))
    return pairs


def main(argv=None):
    """Run both servers through both modes and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", type=int, default=2000, help="messages over one connection")
    parser.add_argument("--per", type=int, default=500, help="messages, one connection each")
    parser.add_argument("--rounds", type=int, default=5, help="paired runs; medians are kept")
    args = parser.parse_args(argv)

    raw = sample_message()
    modes = {
        "one connection": (send_over_one_connection, args.one),
        "connection per message": (send_one_per_connection, args.per),
    }
    (ceiling_port,) = free_ports(1)
    with tempfile.TemporaryDirectory(prefix="bench-mailroom-") as tmp:
        ceiling = start_ceiling(ceiling_port, Config().max_message_size)
        mailroom = start_mailroom(Path(tmp))
        try:
            ports = {"ceiling": ceiling_port, "mailroom": mailroom.config.smtp_port}
            pairs = measure(modes, raw, args.rounds, ports)
            stored, limit = mailroom.store.count(), mailroom.config.max_messages
        finally:
            mailroom.stop()
            ceiling.stop()

    print(f"message {len(raw)} bytes; median of {args.rounds} paired rounds; "
          f"mailroom stored {stored} (limit {limit}, oldest pruned)")
    print(f"{'mode':<24} {'N':>6} {'ceiling msg/s':>14} {'mailroom msg/s':>15} "
          f"{'ratio':>6} {'range':>11}")
    for mode, (_, count) in modes.items():
        ratios = [ours / top for top, ours in pairs[mode]]
        top = median(top for top, _ in pairs[mode])
        ours = median(ours for _, ours in pairs[mode])
        spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
        print(f"{mode:<24} {count:>6} {top:>14.0f} {ours:>15.0f} "
              f"{median(ratios):>6.2f} {spread:>11}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
