from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from volunteers.people.selectors import user_roles

# Paths a signed-in person may open before finishing their profile.
_OPEN_PREFIXES = ("/accounts/", "/account/", "/i18n/", "/static/", "/media/", "/favicon.ico")


class ProfileCompletionMiddleware:
    """Send signed-in contributors without a completed profile to finish it.

    Bureau staff, organisation admins and superusers are not contributors and pass through.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and request.method == "GET" and not request.path.startswith(_OPEN_PREFIXES):
            complete_url = reverse("profile_complete")
            if request.path != complete_url:
                roles = user_roles(user)
                request.pb_roles = roles
                if not (roles["contributor"] or roles["org_admin"] or roles["staff"] or roles["superuser"]):
                    return redirect(f"{complete_url}?{urlencode({'next': request.get_full_path()}, safe='/')}")
        return self.get_response(request)
