"""Create a profile with every user and announce every new book."""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from catalog.models import Book, Profile


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def create_profile(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        Profile.objects.get_or_create(user=instance)


@receiver(post_save, sender=Book)
def announce_new_book(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from catalog.notifications import notify_new_book

        # After commit, so a rolled-back book announces nothing.
        transaction.on_commit(lambda: notify_new_book(instance.pk))
