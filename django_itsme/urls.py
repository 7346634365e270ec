"""URLs of django-itsme, namespace ``itsme``. Reads no settings at import."""

from django.urls import path

from . import views

app_name = "itsme"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("link/", views.link_view, name="link"),
    path("callback/", views.callback, name="callback"),
    path("jwks.json", views.jwks, name="jwks"),
    path("request/<slug:token>/", views.request_object, name="request_object"),
]
