"""Add one-click unsubscribe headers to list mail (RFC 8058).

Mail clients show an "Unsubscribe" button when list mail carries two headers:
`List-Unsubscribe: <https://...>` (the URL in angle brackets) and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click`, which tells them to POST to
that URL. Gmail and Yahoo require both from bulk senders.

- `unsubscribe_headers(url)`: return those two headers as a dict.
- `send_list_email(user, list_name, subject, body)`: send `body` to `user.email`
  as mail of the list `list_name` (`"book_news"` or `"newsletter"`) with those
  headers, for the link `newsletters.tokens.unsubscribe_url(user, list_name)`.
  Write the link at the end of the text too, for readers. Return the number sent.
"""

from django.core.mail import EmailMessage

from newsletters.tokens import unsubscribe_url


def unsubscribe_headers(url):
    """Return the RFC 8058 one-click unsubscribe headers for `url`."""
    raise NotImplementedError('two headers; the URL goes inside angle brackets.')


def send_list_email(user, list_name, subject, body):
    """Send `body` to `user` as mail of `list_name`, with one-click unsubscribe; return 1."""
    raise NotImplementedError('EmailMessage(subject, text, to=[...], headers=unsubscribe_headers(url)).')
