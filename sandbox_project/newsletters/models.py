"""Newsletters written by staff and sent to subscribers."""

from django.db import models


class Newsletter(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text; separate paragraphs with a blank line.")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.title
