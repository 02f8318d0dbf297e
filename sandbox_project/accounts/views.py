"""Sign-up, email verification, profile and the password flows."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.http import require_http_methods

from accounts import emails
from accounts.forms import LibraryPasswordResetForm, ResendVerificationForm, SignUpForm
from accounts.tokens import InvalidToken, check_token
from notifications import ratelimit

User = get_user_model()
RATE_LIMITED = "We sent an email to this address less than a minute ago. Please wait a minute."


@require_http_methods(["GET", "POST"])
def signup(request):
    """Create an inactive account and email the link that activates it."""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save(commit=False)
            user.is_active = False
            user.save()
            profile = user.profile
            profile.subscribed_to_notifications = form.cleaned_data["subscribe_to_notifications"]
            profile.subscribed_to_newsletter = form.cleaned_data["subscribe_to_newsletter"]
            profile.save()
            # After commit: a rolled-back sign-up must send nothing.
            transaction.on_commit(lambda: emails.send_welcome(user, fail_silently=True))
        request.session["signup_email"] = user.email
        return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form})


def signup_done(request):
    return render(request, "accounts/signup_done.html",
                  {"email": request.session.get("signup_email", "")})


def verify(request, uidb64, token):
    """Activate the account a verification link names, once."""
    user = _user_from_uid(uidb64)
    try:
        if user is None:
            raise InvalidToken("This verification link is not valid.")
        check_token(user, token)
    except InvalidToken as exc:
        return render(request, "accounts/verify_invalid.html", {"reason": str(exc)}, status=400)
    user.is_active = True
    user.save(update_fields=["is_active"])
    user.profile.email_verified = True
    user.profile.save(update_fields=["email_verified"])
    return render(request, "accounts/verify_done.html", {"verified_user": user})


@require_http_methods(["GET", "POST"])
def resend_verification(request):
    """Send a fresh link to an unverified account, without revealing who has one."""
    form = ResendVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not ratelimit.acquire("verification", email):
            form.add_error(None, RATE_LIMITED)
        else:
            for user in User.objects.filter(email__iexact=email, is_active=False):
                emails.send_verification(user, fail_silently=True, rate_limit=False)
            messages.info(request, "If an unconfirmed account uses this address, "
                                   "a new confirmation link is on its way.")
            return redirect("accounts:resend_verification")
    return render(request, "accounts/resend_verification.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """Show the account and let the reader choose which emails to receive."""
    reader = request.user.profile
    if request.method == "POST":
        reader.subscribed_to_notifications = "subscribed_to_notifications" in request.POST
        reader.subscribed_to_newsletter = "subscribed_to_newsletter" in request.POST
        reader.save(update_fields=["subscribed_to_notifications", "subscribed_to_newsletter"])
        messages.success(request, "Your email choices are saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"reader": reader})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view, rate limited per address and sending through EmailService."""

    form_class = LibraryPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        # The slot is taken for the address typed, existing or not, so the
        # answer never tells whether an account uses it.
        if not ratelimit.acquire("password_reset", form.cleaned_data["email"]):
            form.add_error(None, RATE_LIMITED)
            return self.form_invalid(form)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


def _user_from_uid(uidb64):
    try:
        return User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None
