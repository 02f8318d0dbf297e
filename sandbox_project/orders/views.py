"""Place an order and see it; the confirmation email goes out on commit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from orders.emails import send_order_confirmation
from orders.forms import OrderForm
from orders.models import Order, OrderLine


@login_required
@require_http_methods(["GET", "POST"])
def place_order(request):
    form = OrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            order = Order.objects.create(user=request.user)
            OrderLine.objects.bulk_create(
                OrderLine(order=order, book=book, quantity=qty, unit_price=book.price)
                for book, qty in form.quantities()
            )
            transaction.on_commit(lambda: send_order_confirmation(order, fail_silently=True))
        messages.success(request, f"Thank you! Order {order.number} is placed; "
                                  "the confirmation is on its way to your inbox.")
        return redirect(order)
    return render(request, "orders/order_form.html", {"form": form})


@login_required
def order_detail(request, pk):
    order = get_object_or_404(Order.objects.prefetch_related("lines__book"), pk=pk,
                              user=request.user)
    return render(request, "orders/order_detail.html", {"order": order})
