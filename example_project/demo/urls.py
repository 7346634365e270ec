"""The demo's URLs: its pages, django-itsme under ``itsme/``, the admin and the language switch."""

from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import include, path

from . import views

demo_patterns = (
    [
        path("", views.home, name="home"),
        path("login/", views.login_page, name="login"),
        path("logout/", LogoutView.as_view(), name="logout"),  # POST only, from the header form
        path("profile/", views.profile, name="profile"),
        path("share/", views.share, name="share"),
        path("confirm/", views.confirm, name="confirm"),
        path("health/", views.health, name="health"),
    ],
    "demo",
)

urlpatterns = [
    path("", include(demo_patterns)),
    path("itsme/", include("django_itsme.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
