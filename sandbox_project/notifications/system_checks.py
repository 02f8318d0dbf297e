"""Deployment checks for email settings: `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def unsubscribe_needs_https(app_configs, **kwargs):
    """Warn when one-click unsubscribe links would not be HTTPS, as RFC 8058 requires."""
    if settings.SITE_URL.startswith("https://"):
        return []
    return [Warning(
        f"SITE_URL is {settings.SITE_URL!r}: List-Unsubscribe links must be HTTPS for "
        "one-click unsubscribe (RFC 8058); mail providers ignore plain HTTP ones.",
        hint="Set SITE_URL to the site's https:// address in production.",
        id="notifications.W001",
    )]
