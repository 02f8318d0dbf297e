"""Browse books; staff add new ones, which notifies subscribers."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, redirect, render

from catalog.forms import BookForm
from catalog.models import Book


def book_list(request):
    return render(request, "catalog/book_list.html", {"books": Book.objects.all()})


def book_detail(request, pk):
    return render(request, "catalog/book_detail.html", {"book": get_object_or_404(Book, pk=pk)})


@staff_member_required
def book_add(request):
    form = BookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        book = form.save()
        messages.success(request, f"Added {book.title}; subscribed readers are being told.")
        return redirect(book)
    return render(request, "catalog/book_form.html", {"form": form})
