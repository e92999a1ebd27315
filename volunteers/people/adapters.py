from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from core.text import email_validate


class AccountAdapter(DefaultAccountAdapter):
    def get_signup_redirect_url(self, request):
        # A new account goes straight on to finishing its profile.
        return reverse("profile_complete")

    def clean_email(self, email):
        # Django's check lets a zero-width space through in the domain; an account must not hold one.
        email_validate(email)
        return super().clean_email(email)
