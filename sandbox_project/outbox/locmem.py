"""Read Django's locmem backend: django.core.mail.outbox."""

from django.core import mail

from outbox.base import Outbox
from outbox.message import parse


class LocmemOutbox(Outbox):
    def messages(self):
        return [parse(m.message().as_bytes(), id=str(i), envelope_to=m.recipients())
                for i, m in enumerate(getattr(mail, "outbox", []))]

    def clear(self):
        mail.outbox = []
