"""Fixtures for the sandbox flows, shared with the integration tests."""

from tests.support.sandbox import (  # noqa: F401 - fixtures pytest finds by name
    CommitClient,
    _empty_cache,
    _fast_password_hashing,
    book,
    client,
    make_reader,
    reader,
    staff,
)
