"""Send an order confirmation with the invoice attached.

Write `send_order_confirmation(order)`: email the order's owner
(`order.user.email`) the `order_confirmation` email, with the invoice PDF
attached, and return the number of emails sent.

Context of the templates: `user`, `order`, `lines` (the order's lines),
`total` (`order.total`), `currency` (`orders.invoice.CURRENCY`), `order_url`
(`settings.SITE_URL` + `order.get_absolute_url()`), `site_name` and `site_url`.
The attachment: `orders.invoice.invoice_pdf(order, settings.SITE_NAME)` returns
the PDF bytes; name it `invoice-<order number>.pdf`
(`orders.invoice.invoice_filename(order)`), type `application/pdf`.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from orders.invoice import CURRENCY, invoice_filename, invoice_pdf


def send_order_confirmation(order):
    """Email the confirmation of `order` with its invoice attached; return the number sent."""
    raise NotImplementedError('message.attach(filename, content_bytes, "application/pdf") adds an attachment.')
