"""A local-memory cache whose reads are slow to return: a read-then-write race always shows."""

import time

from django.core.cache.backends.locmem import LocMemCache

PAUSE = 0.05


class SlowLocMemCache(LocMemCache):
    """LocMemCache that pauses after each read; writes such as add() stay atomic.

    The pause comes between reading the value and handing it back, which is
    where a caller that reads, then writes, can be overtaken.
    """

    def get(self, *args, **kwargs):
        value = super().get(*args, **kwargs)
        time.sleep(PAUSE)
        return value

    def has_key(self, *args, **kwargs):
        found = super().has_key(*args, **kwargs)
        time.sleep(PAUSE)
        return found

    def get_many(self, *args, **kwargs):
        values = super().get_many(*args, **kwargs)
        time.sleep(PAUSE)
        return values
