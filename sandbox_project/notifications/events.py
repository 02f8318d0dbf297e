"""Record provider events (processed, delivered, bounce...) on their EmailLog rows."""

from django.db import transaction

from notifications.models import EmailLog

# What an event keeps on the row; SendGrid sends more, such as the recipient and IP.
KEPT_FIELDS = ("event", "timestamp", "sg_event_id", "reason")


def summary(event):
    """Return the fields of `event` worth keeping on its row."""
    return {name: event[name] for name in KEPT_FIELDS if name in event}


def record_events(events):
    """Append each event to its EmailLog row, once per sg_event_id; return how many were new.

    Events for emails this site does not know are ignored: a provider account may
    serve other senders, and a webhook must not fail a batch because of them.
    """
    events = [event for event in events if isinstance(event, dict)]
    recorded = 0
    for log_id, items in _by_row(events).items():
        recorded += _append(log_id, items)
    return recorded


def _by_row(events):
    """Group event summaries by the pk of their row, with two queries in all."""
    log_ids = {_log_id(event) for event in events} - {None}
    message_ids = {_message_id(event) for event in events} - {""}
    by_pk = dict(EmailLog.objects.filter(pk__in=log_ids)
                 .values_list("pk", "provider_message_id"))
    by_message = dict(EmailLog.objects.filter(provider_message_id__in=message_ids)
                      .values_list("provider_message_id", "pk"))
    rows = {}
    for event in events:
        log_id, message_id = _log_id(event), _message_id(event)
        if log_id in by_pk and _same_message(by_pk[log_id], message_id):
            pk = log_id
        else:
            pk = by_message.get(message_id)
        if pk is not None:
            rows.setdefault(pk, []).append(summary(event))
    return rows


def _same_message(stored_id, message_id):
    """Return whether a row and an event can be about the same message.

    A second sandbox sending through the same SendGrid account numbers its rows
    from 1 too, so an email_log_id alone may name the wrong row. A row that has
    no message id yet is accepted: events can arrive before the send is recorded.
    """
    return not stored_id or not message_id or stored_id == message_id


def _log_id(event):
    """Return the email_log_id custom argument (top level of each event) as an int."""
    value = str(event.get("email_log_id", "")).strip()
    return int(value) if value.isdigit() else None


def _message_id(event):
    """Return the X-Message-Id the send was given: sg_message_id up to its first dot."""
    return str(event.get("sg_message_id") or "").split(".", 1)[0]


def _append(log_id, items):
    # Locked, so two batches for one email cannot overwrite each other's events.
    with transaction.atomic():
        log = EmailLog.objects.select_for_update().filter(pk=log_id).first()
        if log is None:
            return 0
        seen = {event.get("sg_event_id") for event in log.events} - {None, ""}
        new = []
        for item in items:
            event_id = item.get("sg_event_id")
            if event_id and event_id in seen:
                continue
            seen.add(event_id)
            new.append(item)
        if new:
            log.events = [*log.events, *new]
            log.save(update_fields=["events", "updated_at"])
        return len(new)
