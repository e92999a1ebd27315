from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

# Both admins log in through allauth (rate limits, verified email, MFA): no second login form.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = admin.site.site_title = settings.WAGTAIL_SITE_NAME

urlpatterns = [
    path(
        "cms-admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="wagtailadmin_login",
    ),
    path("cms-admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("volunteers.urls")),
    path("", include(wagtail_urls)),
]
