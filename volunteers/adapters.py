from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        # Let the profile middleware decide whether the person must finish their profile first.
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        return reverse("profile_complete")
