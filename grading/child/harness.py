"""The child's request loop: set Django up, then run one scenario per request.

Requests arrive on stdin and answers leave on a pipe, one JSON object per line.
The parent treats every answer as untrusted: submitted code runs in this
process and could write anything to the pipe.
"""

import json
import os
import sys
import traceback


class Channel:
    """The pipe answers go back on."""

    def __init__(self, fd):
        self.fd = fd

    def send(self, message):
        data = (json.dumps(message, ensure_ascii=True, default=repr) + "\n").encode()
        while data:
            data = data[os.write(self.fd, data):]


def serve(config, sandbox_report):
    """Answer scenario requests until told to quit or stdin closes."""
    channel = Channel(config["channel_fd"])
    try:
        setup(config)
    except BaseException:  # the parent must learn why, whatever it was
        channel.send({"fatal": traceback.format_exc(limit=5)[-2000:]})
        os._exit(3)
    channel.send({"ready": True, "sandbox": sandbox_report})
    while True:
        line = sys.stdin.buffer.readline()
        if not line:
            break
        request = json.loads(line)
        if request.get("quit"):
            break
        answer = run(request)
        _flush()
        channel.send({"done": request["id"], "token": request.get("token"), "result": answer})
    finish()


def setup(config):
    """Set Django up and send Celery messages to a folder the parent reads."""
    import django

    django.setup()
    from config import celery_app

    celery_app.conf.update(
        broker_url="filesystem://",
        broker_transport_options={"data_folder_in": config["broker"],
                                  "data_folder_out": config["broker"]},
        # No result backend: a queued task must not need a second service.
        result_backend=None,
        task_always_eager=False,
    )


def run(request):
    """Run one driver; return its observation, or why it could not run."""
    from grading.child import drivers

    driver = drivers.DRIVERS.get(request.get("driver"))
    if driver is None:
        return {"driver_error": f"no driver named {request.get('driver')!r}"}
    try:
        return {"driver": request.get("driver"), "obs": driver(request.get("params") or {})}
    except BaseException:  # submitted code may raise anything, SystemExit too
        return {"driver_error": traceback.format_exc(limit=6)[-3000:]}


def finish():
    """Close the database cleanly (SQLite checkpoints its WAL), then leave at once.

    os._exit: threads started by submitted code must not keep the process alive.
    """
    try:
        from django.db import connections

        connections.close_all()
    finally:
        _flush()
        os._exit(0)


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed or replaced stream is the submission's doing
            pass
