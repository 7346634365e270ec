"""Fetch the ID photo when itsme returns it as the ``picture`` URL.

D-AREQ (protocol notes §4.3): ``picture`` is the URL of the raw ID photo, to be fetched with the
access token as a Bearer token; ``physical_person_photo`` (§4.4) is the same photo inline. The
access token is sent only to itsme's own origin (the issuer's scheme, host and port), so a
``picture`` pointing elsewhere never receives it. The answer must be an image of at most
:data:`MAX_PICTURE_BYTES`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .environments import connection_host
from .errors import UserinfoError
from .http import HttpClient
from .identity_claims import Photo

__all__ = ["MAX_PICTURE_BYTES", "fetch_picture"]

#: itsme's ID photo is a 200 x 140 px JPEG (D-AREQ ``physical_person_photo``): a few tens of
#: kilobytes. Anything past 256 KiB is not that photo.
MAX_PICTURE_BYTES = 256 * 1024
#: Image types a browser shows in an ``<img src="data:...">`` without running anything (no SVG).
PICTURE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _origin(url: str) -> tuple[str, str, int | None] | None:
    host = connection_host(url)
    if host is None:
        return None
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    default = {"https": 443, "http": 80}.get(parts.scheme)
    return parts.scheme, host.lower(), port or default


def fetch_picture(url: str, *, access_token: str, http: HttpClient, issuer: str) -> Photo:
    """GET the ``picture`` URL with the access token and return the photo (D-AREQ ``picture``).

    :param url: the ``picture`` claim.
    :param access_token: the flow's access token, sent as ``Authorization: Bearer``.
    :param http: the HTTP client (one total deadline, body capped).
    :param issuer: itsme's issuer; the URL must share its origin.
    :returns: the photo, its media type from the answer (or sniffed from the bytes).
    :raises UserinfoError: the URL is not itsme's, or the answer is not an image of at most
        :data:`MAX_PICTURE_BYTES`.
    :raises TransportError: itsme could not be reached in time.
    """
    origin = _origin(url)
    if origin is None or origin != _origin(issuer):
        raise UserinfoError("The picture URL is not on itsme's host; the photo was not fetched.")
    response = http.get(
        url,
        error=UserinfoError,
        headers={"Authorization": f"Bearer {access_token}", "Accept": ", ".join(PICTURE_TYPES)},
    )
    data = response.body
    if not data or len(data) > MAX_PICTURE_BYTES:
        raise UserinfoError(
            f"The picture answer is empty or larger than {MAX_PICTURE_BYTES} bytes.",
            status=response.status,
        )
    declared = response.content_type.split(";", 1)[0].strip().lower()
    if declared not in PICTURE_TYPES:
        if data.startswith(_JPEG_MAGIC):
            declared = "image/jpeg"
        elif data.startswith(_PNG_MAGIC):
            declared = "image/png"
        else:
            raise UserinfoError("The picture answer is not an image.", status=response.status)
    return Photo(content_type=declared, data=data)
