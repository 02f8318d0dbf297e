"""ex10: one-click unsubscribe headers (RFC 8058)."""

import uuid
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import signing
from django.urls import Resolver404, resolve

from grading.plan import SITE_URL


def list_mail(observed):
    run = observed.run("ex10.list")
    run.value(what="send_list_email")
    return run, run.only_message(run.params["reader"]["email"])


def unsubscribe_link(message):
    value = message.header("List-Unsubscribe")
    if not value:
        pytest.fail("the email has no List-Unsubscribe header")
    if not (value.startswith("<") and value.endswith(">")):
        pytest.fail(f"List-Unsubscribe must hold the URL in angle brackets, got {value!r}")
    return value[1:-1]


@pytest.mark.points(2)
def test_link_unsubscribes_reader(observed):
    """List-Unsubscribe holds, in angle brackets, an https link that unsubscribes this reader."""
    run, message = list_mail(observed)
    link = unsubscribe_link(message)
    assert link.startswith(SITE_URL + "/"), f"{link} is not an https link of the site"
    try:
        match = resolve(urlsplit(link).path)
    except Resolver404:
        pytest.fail(f"{link} opens no page of the site")
    assert match.view_name == "newsletters:unsubscribe", f"{link} is not an unsubscribe link"
    try:
        value = signing.TimestampSigner(key=observed.secret_key, salt="newsletters.unsubscribe"
                                        ).unsign(match.kwargs["token"],
                                                 max_age=settings.UNSUBSCRIBE_TIMEOUT)
    except signing.BadSignature:
        pytest.fail("the link's token is not valid: use newsletters.tokens.unsubscribe_url")
    key, _, list_name = value.partition(".")
    user = observed.user(run.params["reader"]["email"])
    profiles = [p for p in observed.rows("catalog_profile") if p.get("user_id") == user["id"]]
    assert profiles, "the reader has no profile"
    assert uuid.UUID(str(profiles[0]["email_key"])).hex == key, "the link is another reader's"
    assert list_name == run.params["list_name"], f"the link leaves {list_name}, not the list"


@pytest.mark.points(2)
def test_one_click_header(observed):
    """List-Unsubscribe-Post says List-Unsubscribe=One-Click."""
    _, message = list_mail(observed)
    value = message.header("List-Unsubscribe-Post")
    assert value == "List-Unsubscribe=One-Click", (
        f"List-Unsubscribe-Post is {value!r}, not 'List-Unsubscribe=One-Click'")


@pytest.mark.points(1)
def test_link_in_text(observed):
    """The text shows the unsubscribe link too."""
    _, message = list_mail(observed)
    value = message.header("List-Unsubscribe") or "<>"
    assert value.strip("<>") and value.strip("<>") in message.text, (
        "the text does not show the unsubscribe link")
