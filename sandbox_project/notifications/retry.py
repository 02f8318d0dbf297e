"""Exponential backoff with jitter, bounded by EMAIL_MAX_ATTEMPTS."""

import random

from django.conf import settings


def backoff(attempt, rng=random):
    """Return the delay before try number `attempt` + 1 (attempt counts from 1).

    Full jitter spreads retries so a recovering server is not hit by all of
    them at the same moment.
    """
    ceiling = min(settings.EMAIL_RETRY_MAX_DELAY,
                  settings.EMAIL_RETRY_BASE_DELAY * 2 ** (attempt - 1))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def attempts_left(log):
    return log.attempts < settings.EMAIL_MAX_ATTEMPTS


def longest_delay():
    """Return the longest wait any retry can be given, for the broker's visibility timeout."""
    return settings.EMAIL_RETRY_MAX_DELAY
