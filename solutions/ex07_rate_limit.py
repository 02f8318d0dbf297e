"""Limit how often one kind of email goes to one address, atomically.

A password-reset form must not let anyone flood an inbox. Write
`allow_email(kind, address, seconds)`: take the slot for one `kind` email to
`address` and return True, or return False when an email of that kind went to
that address less than `seconds` ago.

Two requests can arrive at the same moment: only one of them may win. Reading
the cache and then writing it ("get, then set") lets both win; `cache.add`
stores a key only when it is absent, in one step. Addresses are compared
without regard to case.
"""

import hashlib

from django.core.cache import cache


def allow_email(kind, address, seconds):
    """Take the slot for one `kind` email to `address`; return False if it is taken."""
    ### BEGIN SOLUTION
    # HINT: cache.add(key, value, timeout=seconds) returns True only for the caller that stored it.
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]
    return cache.add(f"email-rate:{kind}:{digest}", 1, timeout=seconds)
    ### END SOLUTION
