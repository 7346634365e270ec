"""The exception tree: shape, codes, and messages that never carry secrets."""

from __future__ import annotations

import pytest

from django_itsme.core import errors


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        (errors.ConfigurationError, errors.ItsmeError),
        (errors.TemplateError, errors.ConfigurationError),
        (errors.TransportError, errors.ItsmeError),
        (errors.TransportTimeout, errors.TransportError),
        (errors.ProviderError, errors.ItsmeError),
        (errors.DiscoveryError, errors.ProviderError),
        (errors.ProviderKeysError, errors.ProviderError),
        (errors.TokenEndpointError, errors.ProviderError),
        (errors.UserinfoError, errors.ProviderError),
        (errors.AuthorizationDenied, errors.ItsmeError),
        (errors.TokenValidationError, errors.ItsmeError),
        (errors.TokenDecryptionError, errors.TokenValidationError),
        (errors.SignatureError, errors.TokenValidationError),
        (errors.ClaimValidationError, errors.TokenValidationError),
        (errors.StateMismatch, errors.ClaimValidationError),
        (errors.EvidenceError, errors.TokenValidationError),
        (errors.UnanchoredKeyError, errors.EvidenceError),
        (errors.KeyArchiveError, errors.ConfigurationError),
        (errors.AccountError, errors.ItsmeError),
    ],
)
def test_tree(cls: type[Exception], parent: type[Exception]) -> None:
    assert issubclass(cls, parent)
    assert cls.__bases__ == (parent,)


def drawn_tree() -> dict[str, tuple[str | None, str | None]]:
    """The tree drawn in the module's docstring: class name -> (parent, defining module note)."""
    drawing = (errors.__doc__ or "").split("::", 1)[1].split("\n\n")[1]
    drawn: dict[str, tuple[str | None, str | None]] = {}
    stack: list[tuple[int, str]] = []
    for line in drawing.splitlines():
        words = line.replace("│", " ").replace("├──", "   ").replace("└──", "   ").split()
        if not words or not words[0].isidentifier() or not words[0][0].isupper():
            continue  # a continued description
        depth = len(line) - len(line.replace("│", " ").lstrip(" ├└─"))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        note = words[1][1:-1] if len(words) > 1 and words[1].startswith("(django_itsme") else None
        drawn[words[0]] = (stack[-1][1] if stack else None, note)
        stack.append((depth, words[0]))
    return drawn


def test_every_class_is_drawn_under_its_parent() -> None:
    drawn = drawn_tree()
    for name in errors.__all__:
        cls = getattr(errors, name)
        parent = None if cls is errors.ItsmeError else cls.__bases__[0].__name__
        assert drawn[name] == (parent, None), name
    # The Django app's classes are drawn too, naming their module (tests/app checks them).
    elsewhere = {name for name, (_, note) in drawn.items() if note}
    assert set(drawn) == set(errors.__all__) | elsewhere


def test_codes_are_unique_per_class() -> None:
    classes = [getattr(errors, name) for name in errors.__all__]
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes))


def test_code_can_be_specialised_and_repr_is_safe() -> None:
    exc = errors.ClaimValidationError("The ID token has expired.", claim="exp")
    assert exc.code == "invalid_exp"
    assert exc.claim == "exp"
    assert str(exc) == "The ID token has expired."
    assert (
        repr(exc) == "ClaimValidationError(code='invalid_exp', message='The ID token has expired.')"
    )


def test_authorization_denied_keeps_only_printable_bounded_text() -> None:
    exc = errors.AuthorizationDenied("access_denied\n<script>", "x" * 500 + "\x00")
    assert exc.error == "access_denied<script>"
    assert "\n" not in str(exc)
    assert exc.description is not None
    assert len(exc.description) == 200
    assert "\x00" not in exc.description


def test_authorization_denied_without_error_text() -> None:
    exc = errors.AuthorizationDenied("\n\n")
    assert exc.code == "unknown_error"
    assert exc.description is None


def test_provider_errors_carry_status() -> None:
    exc = errors.TokenEndpointError("refused", status=400, error="invalid_grant")
    assert (exc.status, exc.error, exc.code) == (400, "invalid_grant", "token_endpoint_error")


def test_no_error_class_of_the_core_lives_outside_the_drawing() -> None:
    """A subclass of ItsmeError defined in any core module is drawn (and so exported once)."""
    import importlib
    import pkgutil

    from django_itsme import core

    drawn = drawn_tree()
    found: set[str] = set()
    for module_info in pkgutil.iter_modules(core.__path__, core.__name__ + "."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, errors.ItsmeError):
                found.add(value.__name__)
                assert value.__module__ == errors.__name__, (value, module_info.name)
    assert found <= set(drawn)
