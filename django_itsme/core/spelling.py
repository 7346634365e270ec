"""Spelling suggestions for names a person typed: settings keys, scopes, claim names, aliases.

One rule for every "did you mean" of the project: case is ignored when comparing (``client_id``
suggests ``CLIENT_ID``), the suggestion is spelled as the known name is, and the sentence is the
same everywhere so that messages read alike.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Final

__all__ = ["SIMILARITY_CUTOFF", "did_you_mean"]

#: The lowest :class:`difflib.SequenceMatcher` ratio at which a known name is offered: difflib's
#: own default, which catches one or two wrong, missing or swapped letters in a short name
#: without offering unrelated names.
SIMILARITY_CUTOFF: Final = 0.6


def did_you_mean(
    word: str,
    choices: Iterable[str],
    *,
    limit: int = 1,
    compare_as: Callable[[str], str] | None = None,
) -> str:
    """Suggest the known names closest to a name that is not known.

    :param word: the name as typed.
    :param choices: the known names (a mapping gives its keys). When two differ only in case, the
        first one is offered.
    :param limit: how many names to offer at most, closest first.
    :param compare_as: the part of a known name to compare ``word`` with (e.g. a claim URI's last
        segment); the whole name is offered. Default: the whole name.
    :returns: ``" Did you mean 'a'?"`` or ``" Did you mean 'a' or 'b'?"`` (with a leading space,
        to follow a sentence that ends in a full stop), or ``""`` when nothing is close.
    """
    shown: dict[str, str] = {}
    for name in choices:
        shown.setdefault((compare_as(name) if compare_as else name).lower(), name)
    matches = difflib.get_close_matches(
        word.lower(), list(shown), n=limit, cutoff=SIMILARITY_CUTOFF
    )
    names = list(dict.fromkeys(shown[match] for match in matches))
    if not names:
        return ""
    return " Did you mean " + " or ".join(repr(name) for name in names) + "?"
