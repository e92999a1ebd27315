from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

# Both admins log in through allauth (rate limits, verified email, MFA): no second login form.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = admin.site.site_title = settings.WAGTAIL_SITE_NAME


def wagtail_admin_login(request):
    """Wagtail sends people without admin access here: strangers go to allauth's login (keeping
    `next`); signed-in people without access are refused instead of looping back."""
    if request.user.is_authenticated:
        raise PermissionDenied
    query = {"next": request.GET["next"]} if request.GET.get("next") else {}
    return redirect(f"{reverse('account_login')}{'?' + urlencode(query) if query else ''}")


@require_POST
def language_set(request):
    """Django's language switch, remembered on the account too so emails come in that language."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES) and request.user.language != language:
        get_user_model().objects.filter(pk=request.user.pk).update(language=language)
    return response


urlpatterns = [
    path("i18n/setlang/", language_set, name="set_language"),
    path("cms-admin/login/", wagtail_admin_login, name="wagtailadmin_login"),
    path("cms-admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("volunteers.urls")),
    path("", include("cms.urls")),
    path("", include("pointbook.urls")),
    path("", include("spreadsheets.urls")),
    path("", include(wagtail_urls)),
]

# A 503 page (both languages, Retry-After) while the database is away; Django's 500 otherwise.
handler500 = "core.db.server_error"
