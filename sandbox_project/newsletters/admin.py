from django.contrib import admin, messages

from newsletters.models import Newsletter
from newsletters.sending import send_newsletter


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ("title", "created_at", "sent_at")
    actions = ["send_selected"]

    @admin.action(description="Send to subscribers")
    def send_selected(self, request, queryset):
        for newsletter in queryset:
            results = send_newsletter(newsletter)
            sent = sum(1 for r in results if r.ok)
            self.message_user(request, f"{newsletter}: {sent} of {len(results)} emails sent.",
                              messages.SUCCESS if sent == len(results) else messages.WARNING)
