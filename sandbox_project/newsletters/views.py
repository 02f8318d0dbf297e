"""One-click unsubscribe: a POST for mail clients, a page for people."""

from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from newsletters.tokens import InvalidToken, read_token


@csrf_exempt  # Mail clients POST here without a session or a CSRF token (RFC 8058).
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """Show a confirmation page on GET; unsubscribe at once on POST."""
    try:
        target = read_token(token)
    except InvalidToken as exc:
        return render(request, "newsletters/unsubscribe_invalid.html", {"reason": str(exc)},
                      status=400)
    if request.method == "GET":
        template = "newsletters/unsubscribe_confirm.html" if target.is_subscribed else (
            "newsletters/unsubscribe_done.html")
        return render(request, template, {"target": target, "already": not target.is_subscribed})
    already = not target.is_subscribed
    if not already:
        setattr(target.profile, target.field, False)
        target.profile.save(update_fields=[target.field])
    return render(request, "newsletters/unsubscribe_done.html",
                  {"target": target, "already": already})
