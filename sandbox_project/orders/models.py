"""An order of books, line by line."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse

from catalog.models import Book


class Order(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="orders")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"order {self.number}"

    def get_absolute_url(self):
        return reverse("orders:order_detail", args=[self.pk])

    @property
    def number(self):
        return f"LIB-{self.pk:06d}"

    @property
    def total(self):
        return sum((line.line_total for line in self.lines.all()), Decimal("0.00"))


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    book = models.ForeignKey(Book, on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField()
    # The price when ordered, which later catalogue changes must not alter.
    unit_price = models.DecimalField(max_digits=8, decimal_places=2)

    def __str__(self):
        return f"{self.quantity} x {self.book.title}"

    @property
    def line_total(self):
        return self.unit_price * self.quantity

    @property
    def title(self):
        return self.book.title

    @property
    def author(self):
        return self.book.author
