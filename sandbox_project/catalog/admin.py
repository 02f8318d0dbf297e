from django.contrib import admin

from catalog.models import Book, Profile


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    list_display = ("title", "author", "isbn", "price", "added_at")
    search_fields = ("title", "author", "isbn")


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "email_verified", "subscribed_to_notifications",
                    "subscribed_to_newsletter")
    list_filter = ("email_verified", "subscribed_to_notifications", "subscribed_to_newsletter")
    search_fields = ("user__username", "user__email")
