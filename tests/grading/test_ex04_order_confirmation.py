"""ex04: an order confirmation with the invoice attached."""

import base64

import pytest


def confirmation(observed):
    run = observed.run("ex04.order")
    run.value(what="send_order_confirmation")
    return run, run.only_message(run.params["reader"]["email"])


def order_number(run):
    number = run.obs.get("order_number")
    if not isinstance(number, str) or not number.startswith("LIB-"):
        pytest.fail("the scenario did not report its order number")
    return number


@pytest.mark.points(1)
def test_subject_names_order(observed):
    """Sends one email to the order's owner with the order number in the subject."""
    run, message = confirmation(observed)
    assert order_number(run) in message.subject, (
        f"the subject {message.subject!r} does not name the order")


@pytest.mark.points(2)
def test_invoice_attached(observed):
    """Attaches the invoice as invoice-<number>.pdf, type application/pdf, a real PDF."""
    run, message = confirmation(observed)
    expected = f"invoice-{order_number(run)}.pdf"
    attachments = message.attachments or []
    assert attachments, "the email has no attachment"
    found = [a for a in attachments if a.get("filename") == expected]
    names = [a.get("filename") for a in attachments]
    assert found, f"no attachment named {expected} (found {names})"
    invoice = found[0]
    assert invoice.get("content_type") == "application/pdf", (
        f"the invoice's type is {invoice.get('content_type')}, not application/pdf")
    assert base64.b64decode(invoice.get("head") or "").startswith(b"%PDF"), (
        "the attachment is not a PDF: attach invoice_pdf(order, settings.SITE_NAME)")


@pytest.mark.points(1)
def test_text_lists_books(observed):
    """Lists every book of the order in the text part."""
    run, message = confirmation(observed)
    for line in run.params["lines"]:
        assert line["book"]["title"] in message.text, (
            f"the text does not list {line['book']['title']!r}")


@pytest.mark.points(1)
def test_html_alternative(observed):
    """Has an HTML alternative too."""
    _, message = confirmation(observed)
    assert "text/html" in message.content_types, "the email has no HTML alternative"
