"""Which local services answer, and a friendly stop when one a notebook needs does not."""

import json
import socket
import urllib.parse
import urllib.request
from dataclasses import dataclass


class StopExecution(Exception):
    """Stop a cell quietly: the message is already printed, Jupyter shows no traceback."""

    def _render_traceback_(self):
        return []


@dataclass(frozen=True)
class Service:
    key: str
    name: str
    address: str
    answers: bool
    how_to_start: str


def _listens(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _http_answers(url):
    try:
        with urllib.request.urlopen(f"{url}/api/v2/messages?limit=1", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _redis_answers(url):
    from config.embedded_redis import answers_ping

    parts = urllib.parse.urlsplit(url)
    return answers_ping(parts.port or 6379, parts.hostname or "127.0.0.1")


def _json(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return json.load(response)
    except (OSError, ValueError):
        return None


def _local_catcher_answers(url):
    """Return whether `url` is the local catcher, not a real MailHog or SendGrid."""
    return "tempfail_rate" in (_json(f"{url}/api/v2/jim") or {})


def _worker_answers():
    from config.celery import app

    try:
        return bool(app.control.ping(timeout=1.0))
    except Exception:  # an unreachable broker raises one of several kombu errors
        return False


def _catalog():
    import environ
    from django.conf import settings

    from config.stages import email_settings

    env, var = environ.Env(), settings.VAR_DIR
    plain, secure = email_settings("mailhog", env, var), email_settings("smtp", env, var)
    catcher, sendgrid = settings.MAILHOG_URL, settings.SENDGRID_API_HOST
    mail = ("`make services` starts only the mail services (a real MailHog from docker compose "
            "has no secure listener, SendGrid mock or fault controls)")
    worker = ("the worker of `make run`, or your own: `cd sandbox_project && "
              "../.venv/bin/celery -A config worker --loglevel=info`")
    return {
        "smtp": ("mail catcher, SMTP", _address(plain),
                 lambda: _listens(plain["EMAIL_HOST"], plain["EMAIL_PORT"]), mail),
        "secure": ("secure SMTP listener (STARTTLS + AUTH)", _address(secure),
                   lambda: _listens(secure["EMAIL_HOST"], secure["EMAIL_PORT"]), mail),
        "http": ("catcher web UI and MailHog API", catcher,
                 lambda: _http_answers(catcher), mail),
        "chaos": ("catcher fault controls (/api/v2/jim)", catcher,
                  lambda: _local_catcher_answers(catcher), mail),
        "sendgrid": ("SendGrid mock", f"{sendgrid}/v3/mail/send",
                     lambda: _local_catcher_answers(sendgrid), mail),
        "redis": ("Redis, Celery's broker", settings.BROKER_URL,
                  lambda: _redis_answers(settings.BROKER_URL),
                  "`make run` starts an embedded Redis; to use your own, set REDIS_URL in .env"),
        "worker": ("Celery worker", "celery -A config worker", _worker_answers, worker),
    }


def _address(stage):
    return f"{stage['EMAIL_HOST']}:{stage['EMAIL_PORT']}"


# What `make run` starts; "chaos" and "sendgrid" are parts of the local catcher.
SERVICES = ("smtp", "secure", "http", "sendgrid", "redis", "worker")


def services(*keys):
    """Return the state of the named services (all of them by default)."""
    catalog = _catalog()
    found = []
    for key in keys or SERVICES:
        if key not in catalog:
            raise ValueError(f"no service {key!r}; known: {', '.join(catalog)}")
        name, address, probe, how = catalog[key]
        if key == "worker" and not _redis_answers(catalog["redis"][1]):
            answers = False  # without its broker no worker can answer
        else:
            answers = probe()
        found.append(Service(key, name, address, answers, how))
    return found


def report(*keys):
    """Print one line per service: answers or not, and where; return the services."""
    found = services(*keys)
    width = max(len(s.name) for s in found)
    for service in found:
        state = "ready  " if service.answers else "MISSING"
        print(f"  {state}  {service.name:<{width}}  {service.address}")
    return found


def require(*keys, stop=True):
    """Check the services a notebook needs; print how to start any missing one, then stop.

    With stop=False the cell goes on after the advice.
    """
    if not keys:
        print("This notebook needs no running service: everything happens in this kernel.")
        return
    print("Services this notebook needs:" if stop else "Local services:")
    found = report(*keys)
    missing = [s for s in found if not s.answers]
    if not missing:
        print("All of them answer. On you go.")
        return
    print(f"\n{len(missing)} of them {'does' if len(missing) == 1 else 'do'} not answer. "
          "Start them: in a terminal at the top of the project,")
    print("run `make run` and wait until it says it is ready. Then run this cell again.")
    print("Or start only what is missing:")
    for how in dict.fromkeys(s.how_to_start for s in missing):
        print(f"  - {how}")
    if stop:
        raise StopExecution("start the missing services, then run this cell again")
