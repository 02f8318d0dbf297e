"""What every captured outbox offers: messages, clear() and wait_for()."""

import time


class OutboxTimeout(AssertionError):
    """Fewer messages arrived than a test or check cell waited for."""


class Outbox:
    """Base class: subclasses implement messages() and clear()."""

    poll_interval = 0.05

    def messages(self):
        """Return the captured messages, oldest first."""
        raise NotImplementedError

    def clear(self):
        """Forget every captured message."""
        raise NotImplementedError

    def wait_for(self, count, timeout=10.0):
        """Return the messages once at least `count` have arrived; raise after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages()
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise OutboxTimeout(
                    f"expected {count} message(s) within {timeout:g} s, found {len(found)}")
            time.sleep(self.poll_interval)

    def __len__(self):
        return len(self.messages())

    def __iter__(self):
        return iter(self.messages())

    @property
    def last(self):
        """Return the newest message, or None."""
        found = self.messages()
        return found[-1] if found else None
