"""Sign-up and password-reset forms that send through the EmailService."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm

from notifications.addresses import check_header_value
from notifications.errors import HeaderInjectionError

User = get_user_model()


class SignUpForm(UserCreationForm):
    first_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(
        help_text="We send a link to this address to confirm it.",
        error_messages={"invalid": "Enter a valid email address, like reader@example.com."},
    )
    subscribe_to_notifications = forms.BooleanField(
        required=False, label="Email me when a new book arrives")
    subscribe_to_newsletter = forms.BooleanField(
        required=False, label="Send me the newsletter and the weekly report")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "email")

    def clean_first_name(self):
        name = self.cleaned_data["first_name"]
        try:
            check_header_value("Name", name)
        except HeaderInjectionError as exc:
            raise forms.ValidationError("A name cannot contain line breaks.") from exc
        return name

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address already exists.")
        return email


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(
        error_messages={"invalid": "Enter a valid email address, like reader@example.com."})


class LibraryPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending its email through the EmailService."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email,
                  to_email, html_email_template_name=None):
        from accounts.emails import send_password_reset

        send_password_reset(to_email, context, rate_limit=False, fail_silently=True)
