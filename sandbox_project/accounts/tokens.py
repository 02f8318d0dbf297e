"""Email verification tokens: signed, expiring and single-use."""

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "accounts.verification"


class InvalidToken(Exception):
    """A verification token that is tampered with, expired or already used."""


def _state(user):
    # Covers is_active, so activating the account spends every earlier token.
    value = f"{user.pk}|{user.email}|{user.is_active}"
    return salted_hmac(SALT, value).hexdigest()[:24]


def make_token(user):
    """Return a verification token for `user` in their current state."""
    return signing.TimestampSigner(salt=SALT).sign(_state(user))


def check_token(user, token):
    """Raise InvalidToken unless `token` verifies `user` right now."""
    try:
        state = signing.TimestampSigner(salt=SALT).unsign(
            token, max_age=settings.EMAIL_VERIFICATION_TIMEOUT)
    except signing.SignatureExpired as exc:
        raise InvalidToken("This verification link has expired.") from exc
    except signing.BadSignature as exc:
        raise InvalidToken("This verification link is not valid.") from exc
    if not constant_time_compare(state, _state(user)):
        raise InvalidToken("This verification link has already been used or is not valid.")
