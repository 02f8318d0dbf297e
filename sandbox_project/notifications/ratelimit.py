"""Per recipient and kind rate limits, atomic across processes."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def window_for(kind):
    """Return the number of seconds between two emails of `kind`, or 0 for no limit."""
    return settings.EMAIL_RATE_LIMITS.get(kind, 0)


def acquire(kind, address):
    """Take the slot for `kind` to `address`; return False when it is already taken.

    `cache.add` only stores the key when it is absent, in one operation, so two
    requests racing for the same slot cannot both win (get-then-set could).
    """
    seconds = window_for(kind)
    if not seconds:
        return True
    digest = hashlib.sha256(address.lower().encode()).hexdigest()[:32]
    return cache.add(f"email-rate:{kind}:{digest}", 1, timeout=seconds)
