from django.urls import path

from notifications import webhooks

app_name = "notifications"
urlpatterns = [
    path("sendgrid/events/", webhooks.sendgrid_events, name="sendgrid_events"),
]
