"""URLs of this part of the pointbook; pointbook/urls.py adds them to its own."""

urlpatterns = []
