"""URLconf of the test project: the four edits' URL line, the admin, and a page to land on."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def home(request: HttpRequest) -> HttpResponse:
    who = request.user.get_username() if request.user.is_authenticated else "anonymous"
    return HttpResponse(f"home: {who}")


urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("itsme/", include("django_itsme.urls")),
]
