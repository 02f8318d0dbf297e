from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.book_list, name="book_list"),
    path("books/<int:pk>/", views.book_detail, name="book_detail"),
    path("books/add/", views.book_add, name="book_add"),
]
