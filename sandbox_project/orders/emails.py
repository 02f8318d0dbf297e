"""The order confirmation: an itemized receipt with the invoice attached."""

from django.conf import settings

from notifications.service import Attachment, email_service
from orders.invoice import CURRENCY, invoice_filename, invoice_pdf


def send_order_confirmation(order, **options):
    lines = list(order.lines.select_related("book"))
    context = {
        "user": order.user,
        "order": order,
        "lines": lines,
        "total": order.total,
        "currency": CURRENCY,
        "order_url": settings.SITE_URL + order.get_absolute_url(),
    }
    invoice = Attachment(invoice_filename(order), invoice_pdf(order, settings.SITE_NAME),
                         "application/pdf")
    return email_service.send("order_confirmation", order.user.email, context,
                              attachments=[invoice], **options)
