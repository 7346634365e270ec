"""``X-Served-By: <instance>/<pid>`` on every response, so a test sees which instance and which
worker answered each leg of a flow."""

from __future__ import annotations

import os
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

#: The response header naming the instance and worker process.
SERVED_BY = "X-Served-By"


class ServedByMiddleware:
    """Add :data:`SERVED_BY` to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.name = f"{os.environ.get('ITSME_MULTI_INSTANCE', '?')}/{os.getpid()}"

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response[SERVED_BY] = self.name
        return response
