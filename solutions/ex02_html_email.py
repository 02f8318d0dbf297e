"""Send an HTML email with a real plain-text alternative, both from templates.

Every kind of email lives in `templates/emails/<kind>/` as three templates:
`subject.txt`, `body.txt` and `body.html`. Write
`send_templated_email(kind, to, context)`: render the three with `context`, send
one email whose body is the rendered text and whose HTML is an alternative
(`EmailMultiAlternatives`), and return the number of emails sent.

A subject is one line: strip the rendered subject. The text part must be the
text template, not the HTML: mail clients that cannot show HTML, and spam
filters, read it.
"""

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def send_templated_email(kind, to, context):
    """Send the `kind` email to `to`, rendered with `context`; return the number sent."""
    ### BEGIN SOLUTION
    # HINT: render_to_string(f"emails/{kind}/subject.txt", context) renders one template;
    # HINT: EmailMultiAlternatives(subject, text, to=[to]), then
    # HINT: attach_alternative(html, "text/html").
    subject = render_to_string(f"emails/{kind}/subject.txt", context).strip()
    text = render_to_string(f"emails/{kind}/body.txt", context)
    html = render_to_string(f"emails/{kind}/body.html", context)
    message = EmailMultiAlternatives(subject, text, to=[to])
    message.attach_alternative(html, "text/html")
    return message.send()
    ### END SOLUTION
