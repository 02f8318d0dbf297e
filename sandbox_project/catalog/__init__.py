"""Books, reader profiles and new-book notifications."""
