from types import SimpleNamespace
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.account.signals import password_reset
from allauth.core.internal import ratelimit
from django.conf import settings
from django.dispatch import receiver
from django.urls import reverse

from core.http import absolute_url
from core.ratelimit import address_key
from core.text import email_validate


def site_context() -> dict[str, Any]:
    """How emails and account pages name the site: the product's name (translated when the email or page
    is rendered) and its public address, never the request's host (there is no django.contrib.sites)."""
    return {"site_name": settings.PB_SITE_NAME, "site_url": absolute_url("/")}


class AccountAdapter(DefaultAccountAdapter):
    def get_signup_redirect_url(self, request):
        # A new account goes straight on to finishing its profile.
        return reverse("profile_complete")

    def clean_email(self, email):
        # Django's check lets a zero-width space through in the domain; an account must not hold one.
        email_validate(email)
        return super().clean_email(email)

    def send_mail(self, template_prefix, email, context):
        site = site_context()
        # allauth's own templates (those we do not override) read current_site.name / .domain.
        context = {**context, **site, "current_site": SimpleNamespace(name=site["site_name"], domain=site["site_url"])}
        return super().send_mail(template_prefix, email, context)

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


@receiver(password_reset)
def _reset_link_proves_the_address(sender, request, user, **kwargs):
    """A reset link only goes to one of the account's addresses: when it has just one (as everyone an
    import created, invited by such a link), following the link proves they own it."""
    addresses = list(EmailAddress.objects.filter(user=user)[:2])
    if len(addresses) == 1 and not addresses[0].verified:
        addresses[0].verified = True
        addresses[0].save(update_fields=["verified"])
