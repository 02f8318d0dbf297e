"""Seed the demo catalogue and demo readers once; running it again changes nothing."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from catalog.models import Book

BOOKS = [
    ("Two Scoops of Django", "Daniel and Audrey Feldroy", "978-0-692-91572-1", "39.95",
     "Best practices for the Django web framework."),
    ("Designing Data-Intensive Applications", "Martin Kleppmann", "978-1-449-37332-0", "44.90",
     "The big ideas behind reliable, scalable and maintainable systems."),
    ("The Pragmatic Programmer", "David Thomas and Andrew Hunt", "978-0-13-595705-9", "42.00",
     "Your journey to mastery."),
    ("Fluent Python", "Luciano Ramalho", "978-1-492-05635-5", "54.00",
     "Clear, concise and effective programming."),
    ("Architecture Patterns with Python", "Harry Percival and Bob Gregory",
     "978-1-492-05220-3", "46.50", "Test-driven development, domain-driven design and more."),
]

# Sandbox-only accounts, printed so a student can log in; never use these anywhere real.
READERS = [
    ("admin", "Ada", "admin@library.example", "library-admin", True, True),
    ("alice", "Alice", "alice@library.example", "library-alice", True, False),
    ("bob", "Bob", "bob@library.example", "library-bob", False, False),
]


class Command(BaseCommand):
    help = "Add the demo books and readers if they are missing."

    def handle(self, *args, **options):
        # bulk_create sends no post_save, so seeding notifies nobody.
        missing = [b for b in BOOKS if not Book.objects.filter(isbn=b[2]).exists()]
        Book.objects.bulk_create(
            Book(title=t, author=a, isbn=i, price=Decimal(p), description=d)
            for t, a, i, p, d in missing
        )
        created = [self.reader(*row) for row in READERS]
        self.stdout.write(f"Demo data: {len(missing)} books and {sum(created)} readers added.")
        if any(created):
            for username, _, _, password, _, _ in READERS:
                self.stdout.write(f"  log in as {username} / {password}")

    def reader(self, username, first_name, email, password, subscribed, staff):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            return False
        user = User(username=username, first_name=first_name, email=email,
                    is_staff=staff, is_superuser=staff)
        user.set_password(password)
        user.save()
        profile = user.profile
        profile.email_verified = True
        profile.subscribed_to_notifications = subscribed
        profile.subscribed_to_newsletter = subscribed
        profile.save()
        return True
