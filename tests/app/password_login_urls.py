"""The test URLconf plus Django's own password login and logout views, for the tests that mix an
itsme flow with a login by another backend (``ModelBackend``)."""

from django.contrib.auth.views import LoginView, LogoutView
from django.urls import path

from tests.urls import urlpatterns as base_urlpatterns

urlpatterns = [
    *base_urlpatterns,
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
]
