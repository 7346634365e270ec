"""The Django app's errors are drawn in the one tree of :mod:`django_itsme.core.errors`, under
their real parent and naming their module."""

from __future__ import annotations

from django_itsme import errors as app_errors
from tests.core.test_errors import drawn_tree


def test_every_app_error_is_drawn_under_its_parent() -> None:
    drawn = drawn_tree()
    for name in app_errors.__all__:
        cls = getattr(app_errors, name)
        assert drawn[name] == (cls.__bases__[0].__name__, "django_itsme.errors"), name
    noted = {name for name, (_, note) in drawn.items() if note == "django_itsme.errors"}
    assert noted == set(app_errors.__all__)


def test_app_error_codes_are_their_own() -> None:
    from django_itsme.core import errors as core_errors

    core_codes = {getattr(core_errors, name).code for name in core_errors.__all__}
    codes = [getattr(app_errors, name).code for name in app_errors.__all__]
    assert len(set(codes)) == len(codes)
    assert not core_codes & set(codes)
