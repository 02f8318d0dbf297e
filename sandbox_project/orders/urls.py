from django.urls import path

from orders import views

app_name = "orders"
urlpatterns = [
    path("new/", views.place_order, name="place_order"),
    path("<int:pk>/", views.order_detail, name="order_detail"),
]
