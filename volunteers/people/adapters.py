from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from django.urls import reverse

from core.ratelimit import address_key
from core.text import email_validate


class AccountAdapter(DefaultAccountAdapter):
    def get_signup_redirect_url(self, request):
        # A new account goes straight on to finishing its profile.
        return reverse("profile_complete")

    def clean_email(self, email):
        # Django's check lets a zero-width space through in the domain; an account must not hold one.
        email_validate(email)
        return super().clean_email(email)

    # --- Failed logins (settings.ACCOUNT_RATE_LIMITS). allauth counts them per address and per "key";
    # its key is the account alone, so five typos anywhere would lock the account everywhere, and an
    # office behind one NAT address shares one count. Here the key is the account and the address
    # together, and a separate, generous count per account ("login_failed_account") stops guessing
    # spread over many addresses. A successful login takes its attempt back from both counts.

    def _get_login_attempts_cache_key(self, request, **credentials):
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}|{address_key(request)}"

    def pre_authenticate(self, request, **credentials):
        super().pre_authenticate(request, **credentials)
        self._account_rl_usage = ratelimit.consume(
            request,
            app="allauth.account",
            action="login_failed_account",
            key=super()._get_login_attempts_cache_key(request, **credentials),
        )
        if not self._account_rl_usage:
            raise self.validation_error("too_many_login_attempts")

    def _rollback_login_failed_rl_usage(self):
        super()._rollback_login_failed_rl_usage()
        usage = getattr(self, "_account_rl_usage", None)
        if usage:
            usage.rollback()
