from django.contrib import admin

from notifications.models import EmailLog


@admin.register(EmailLog)
class EmailLogAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "recipient", "subject", "status", "attempts", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("recipient", "subject", "provider_message_id")
    readonly_fields = ("created_at", "updated_at", "sent_at", "provider_message_id", "events")
