"""One page for a signed-in person's account: email addresses, password, two-factor and language.
The details are managed on allauth's own pages, which it links to."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import translation

from volunteers.people.selectors import staff_region


@login_required
def account_overview(request):
    user = request.user
    types = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    return render(
        request,
        "volunteers/account/overview.html",
        {
            "addresses": EmailAddress.objects.filter(user=user).order_by("-primary", "email"),
            "has_password": user.has_usable_password(),
            "totp": Authenticator.Type.TOTP in types,
            "recovery_codes": Authenticator.Type.RECOVERY_CODES in types,
            "is_staff_member": staff_region(user) is not None,
            "languages": settings.LANGUAGES,
            "language": translation.get_language(),
        },
    )
