"""Faults to inject into the mail services, like MailHog's Jim."""

import math
import os
import random
from dataclasses import InitVar, dataclass, field

FIELDS = (
    "latency",
    "tempfail_rate",
    "reject_recipients",
    "disconnect_rate",
    "sendgrid_429_rate",
    "sendgrid_5xx_rate",
)
RATES = ("tempfail_rate", "disconnect_rate", "sendgrid_429_rate", "sendgrid_5xx_rate")

ENV_VARS = {
    "MAILROOM_CHAOS_LATENCY": "latency",
    "MAILROOM_CHAOS_TEMPFAIL_RATE": "tempfail_rate",
    "MAILROOM_CHAOS_REJECT": "reject_recipients",
    "MAILROOM_CHAOS_DISCONNECT_RATE": "disconnect_rate",
    "MAILROOM_CHAOS_SENDGRID_429_RATE": "sendgrid_429_rate",
    "MAILROOM_CHAOS_SENDGRID_5XX_RATE": "sendgrid_5xx_rate",
}
SEED_VAR = "MAILROOM_CHAOS_SEED"


@dataclass
class Chaos:
    """The faults currently switched on; all off by default."""

    latency: float = 0.0
    tempfail_rate: float = 0.0
    reject_recipients: set[str] = field(default_factory=set)
    disconnect_rate: float = 0.0
    sendgrid_429_rate: float = 0.0
    sendgrid_5xx_rate: float = 0.0
    seed: InitVar[int | None] = None
    _random: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self, seed):
        self._random = random.Random(seed)
        # Route constructor values through the same checks as update().
        self._apply(self._clean({name: getattr(self, name) for name in FIELDS}))

    def to_dict(self) -> dict:
        """Return the settings as JSON-able values."""
        data = {name: getattr(self, name) for name in FIELDS}
        data["reject_recipients"] = sorted(self.reject_recipients)
        return data

    def update(self, changes: dict) -> None:
        """Change some settings; apply none of them if any is invalid."""
        if not isinstance(changes, dict):
            raise ValueError(f"chaos settings must be an object, got {type(changes).__name__}")
        self._apply(self._clean(changes))

    def reset(self) -> None:
        """Switch every fault off."""
        defaults = Chaos()
        self._apply({name: getattr(defaults, name) for name in FIELDS})

    def roll(self, rate: float) -> bool:
        """Return True with probability `rate`."""
        # A zero rate draws nothing, so switching one fault on leaves the others' sequence alone.
        return rate > 0 and self._random.random() < rate

    def is_rejected(self, address: str) -> bool:
        """Return whether RCPT TO `address` must be refused."""
        return address.lower() in self.reject_recipients

    @classmethod
    def from_env(cls, environ=os.environ) -> "Chaos":
        """Build a Chaos from MAILROOM_CHAOS_* variables."""
        chaos = cls(seed=_parse_seed(environ.get(SEED_VAR)))
        cleaned = {}
        for var, name in ENV_VARS.items():
            raw = environ.get(var, "").strip()
            if raw:
                try:
                    cleaned[name] = _check(name, _from_text(name, raw))
                except ValueError as exc:
                    raise ValueError(f"{var}: {exc}") from None
        chaos._apply(cleaned)
        return chaos

    def _clean(self, changes):
        """Return validated, normalized copies of `changes`."""
        unknown = sorted(set(changes) - set(FIELDS))
        if unknown:
            raise ValueError(
                f"unknown chaos setting(s): {', '.join(unknown)}; known: {', '.join(FIELDS)}"
            )
        return {name: _check(name, value) for name, value in changes.items()}

    def _apply(self, cleaned):
        for name, value in cleaned.items():
            setattr(self, name, value)


def _check(name, value):
    """Return `value` normalized for setting `name`, or raise ValueError."""
    if name == "reject_recipients":
        if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
            raise ValueError("reject_recipients must be a list of email addresses")
        if not all(isinstance(item, str) for item in value):
            raise ValueError("reject_recipients must contain strings only")
        return {item.strip().lower() for item in value if item.strip()}
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    if name in RATES and value > 1:
        raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
    return float(value)


def _from_text(name, raw):
    """Convert an environment string to the type of setting `name`."""
    if name == "reject_recipients":
        return raw.split(",")
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"must be a number, got {raw!r}") from None


def _parse_seed(raw):
    if raw is None or not raw.strip():
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{SEED_VAR} must be an integer, got {raw!r}") from None
