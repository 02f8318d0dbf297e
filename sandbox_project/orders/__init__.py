"""Orders and their confirmation emails with an invoice attached."""
