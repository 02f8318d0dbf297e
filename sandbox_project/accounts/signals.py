"""Send a security alert whenever a password changes, whatever changed it."""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def alert_password_change(sender, instance, created, raw=False, **kwargs):
    # set_password() leaves the raw password in `_password` until save() ends,
    # so this catches resets, changes and the admin alike, with no extra query.
    if created or raw or getattr(instance, "_password", None) is None or not instance.email:
        return
    from accounts.emails import send_password_changed

    transaction.on_commit(lambda: send_password_changed(instance, fail_silently=True))
