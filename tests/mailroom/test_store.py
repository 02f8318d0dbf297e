"""The message store: exact bytes, order, pruning, listeners, sharing one file."""

import threading
from datetime import UTC
from urllib.parse import quote

import pytest

from mailroom.store import MessageStore

RAW = b"Subject: Hello\r\nX-Odd: \xff\xfe\x00\r\n\r\nBody \xc3\x28 line\r\n.leading dot\r\n"


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "mail.sqlite3"


@pytest.fixture
def message_store(db_path):
    store = MessageStore(db_path)
    yield store
    store.close()


def add_numbered(store, count):
    """Add `count` messages whose bodies say their number; return them in order."""
    return [store.add(f"Subject: {n}\r\n\r\n{n}\r\n".encode(), "a@example.com", ["b@example.com"])
            for n in range(count)]


def test_add_then_get_returns_the_exact_bytes_and_envelope(message_store):
    added = message_store.add(RAW, "from@example.com", ["to@example.com", "cc@example.com"],
                              helo="client.example", source="smtps")

    got = message_store.get(added.id)

    assert got == added
    assert got.raw == RAW
    assert got.size == len(RAW)
    assert (got.mail_from, got.rcpt_tos, got.helo, got.source) == (
        "from@example.com", ["to@example.com", "cc@example.com"], "client.example", "smtps")
    assert got.created.tzinfo is not None
    assert got.created.utcoffset() == UTC.utcoffset(None)


def test_ids_are_unique_and_url_safe(message_store):
    ids = [message.id for message in add_numbered(message_store, 20)]

    assert len(set(ids)) == 20
    for message_id in ids:
        assert "/" not in message_id
        assert quote(message_id, safe="@") == message_id


def test_list_pages_newest_first_with_the_total(message_store):
    added = add_numbered(message_store, 7)

    total, page = message_store.list(start=2, limit=3)

    assert total == 7
    assert [m.id for m in page] == [m.id for m in reversed(added)][2:5]
    assert [m.id for m in message_store.all()] == [m.id for m in reversed(added)]
    assert message_store.list(start=10) == (7, [])


def test_get_delete_and_clear(message_store):
    first, second, _ = add_numbered(message_store, 3)

    assert message_store.delete(first.id) is True
    assert message_store.delete(first.id) is False
    assert message_store.get(first.id) is None
    assert message_store.get("no-such-id") is None
    assert message_store.get(second.id) == second
    assert message_store.clear() == 2
    assert message_store.count() == 0
    assert message_store.list() == (0, [])


def test_oldest_messages_are_pruned_beyond_the_limit(db_path):
    store = MessageStore(db_path, max_messages=3)
    added = add_numbered(store, 5)

    assert store.count() == 3
    assert [m.id for m in store.all()] == [m.id for m in reversed(added[2:])]
    store.close()


def test_pruning_counts_messages_not_positions(db_path):
    store = MessageStore(db_path, max_messages=3)
    first, second, third = add_numbered(store, 3)
    store.delete(second.id)

    (fourth,) = add_numbered(store, 1)

    # Three messages fit: nothing is pruned although the newest is the fourth added.
    assert [m.id for m in store.all()] == [fourth.id, third.id, first.id]
    store.close()


def test_max_messages_must_be_positive(db_path):
    with pytest.raises(ValueError, match="max_messages must be at least 1"):
        MessageStore(db_path, max_messages=0)


def test_messages_survive_closing_and_reopening(db_path):
    store = MessageStore(db_path)
    added = store.add(RAW, "a@example.com", ["b@example.com"])
    store.close()

    reopened = MessageStore(db_path)

    assert reopened.get(added.id) == added
    reopened.close()


def test_two_stores_on_one_file_see_the_same_messages(db_path):
    one, two = MessageStore(db_path), MessageStore(db_path)
    from_one = one.add(RAW, "a@example.com", ["b@example.com"])
    from_two = two.add(b"Subject: two\r\n\r\n", "c@example.com", ["d@example.com"])

    assert [m.id for m in one.all()] == [from_two.id, from_one.id]
    assert [m.id for m in two.all()] == [from_two.id, from_one.id]
    assert two.delete(from_one.id) is True
    assert one.get(from_one.id) is None
    assert one.count() == two.count() == 1
    one.close()
    two.close()


def test_two_stores_writing_at_once_lose_nothing(db_path):
    stores = [MessageStore(db_path), MessageStore(db_path)]

    def write(store):
        add_numbered(store, 50)

    threads = [threading.Thread(target=write, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert stores[0].count() == 100
    assert len(stores[1].all()) == 100
    for store in stores:
        store.close()


def test_pruning_holds_across_stores_on_one_file(db_path):
    small = MessageStore(db_path, max_messages=4)
    other = MessageStore(db_path)
    add_numbered(other, 4)

    newest = small.add(RAW, "a@example.com", ["b@example.com"])

    assert other.count() == 4
    assert other.all()[0] == newest
    small.close()
    other.close()


def test_listeners_get_each_added_message_until_unsubscribed(message_store):
    seen = []
    message_store.subscribe(seen.append)
    added = message_store.add(RAW, "a@example.com", ["b@example.com"])
    message_store.unsubscribe(seen.append)
    message_store.add(RAW, "a@example.com", ["b@example.com"])

    assert seen == [added]


def test_a_failing_listener_neither_loses_the_message_nor_stops_the_others(message_store):
    seen = []

    def broken(message):
        raise RuntimeError("listener bug")

    message_store.subscribe(broken)
    message_store.subscribe(seen.append)

    added = message_store.add(RAW, "a@example.com", ["b@example.com"])

    assert seen == [added]
    assert message_store.get(added.id) == added


def test_rcpt_tos_round_trip_through_json_untouched(message_store):
    recipients = ["józef@example.pl", "quote\"d@example.com"]

    added = message_store.add(RAW, "a@example.com", recipients)

    assert message_store.get(added.id).rcpt_tos == recipients
