from django.contrib import admin, messages

from notifications.models import EmailLog
from notifications.service import email_service


@admin.register(EmailLog)
class EmailLogAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "recipient", "subject", "status", "attempts", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("recipient", "subject", "provider_message_id")
    readonly_fields = ("created_at", "updated_at", "sent_at", "provider_message_id", "events")
    actions = ["send_again"]

    @admin.action(description="Send the selected failed emails again")
    def send_again(self, request, queryset):
        results = [email_service.resend(log) for log in queryset]
        done = sum(1 for r in results if r.ok)
        self.message_user(request, f"{done} of {len(results)} emails sent or queued again.",
                          messages.SUCCESS if done == len(results) else messages.WARNING)
