from django.urls import path

from newsletters import views

app_name = "newsletters"
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
