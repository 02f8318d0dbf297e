"""Template context shared by every page."""

from django.conf import settings


def site(request):
    """Expose the site's name and stage to page templates."""
    return {"site_name": settings.SITE_NAME, "email_stage": settings.EMAIL_STAGE}
