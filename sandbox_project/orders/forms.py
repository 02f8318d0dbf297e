from django import forms

from catalog.models import Book

MAX_QUANTITY = 20


class OrderForm(forms.Form):
    """One quantity field per book; at least one must be above zero."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.books = list(Book.objects.all())
        for book in self.books:
            self.fields[f"book_{book.pk}"] = forms.IntegerField(
                label=str(book), min_value=0, max_value=MAX_QUANTITY, initial=0, required=False)

    def clean(self):
        cleaned = super().clean()
        if not self.quantities():
            raise forms.ValidationError("Choose at least one book.")
        return cleaned

    def quantities(self):
        """Return (book, quantity) pairs for the books ordered."""
        data = getattr(self, "cleaned_data", {})
        pairs = ((book, data.get(f"book_{book.pk}") or 0) for book in self.books)
        return [(book, qty) for book, qty in pairs if qty > 0]

    def book_fields(self):
        return [(book, self[f"book_{book.pk}"]) for book in self.books]
