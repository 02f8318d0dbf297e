"""The account emails, each sent through the EmailService."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.tokens import make_token
from notifications.service import email_service


def verify_url(user):
    """Return the absolute link that activates `user`'s account."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return settings.SITE_URL + reverse("accounts:verify", args=[uidb64, make_token(user)])


def _verify_context(user):
    return {"user": user, "verify_url": verify_url(user),
            "verify_hours": settings.EMAIL_VERIFICATION_TIMEOUT // 3600}


def send_welcome(user, **options):
    return email_service.send("welcome", user.email, _verify_context(user), **options)


def send_verification(user, **options):
    return email_service.send("verification", user.email, _verify_context(user), **options)


def send_password_reset(to_email, context, **options):
    """Send the reset link Django's PasswordResetForm prepared."""
    path = reverse("accounts:password_reset_confirm",
                   kwargs={"uidb64": context["uid"], "token": context["token"]})
    return email_service.send("password_reset", to_email, {
        "user": context["user"],
        "reset_url": settings.SITE_URL + path,
        "reset_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }, **options)


def send_password_changed(user, **options):
    return email_service.send("password_changed", user.email, {
        "user": user,
        "changed_at": timezone.now(),
        "reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
    }, **options)
