"""Sign-up with email verification, login, password reset and security alerts."""
