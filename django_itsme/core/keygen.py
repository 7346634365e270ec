"""Generate a private JWK set: ``python -m django_itsme.core.keygen [--bits N] [--out FILE]``.

The set holds one RS256 ``sig`` key and one RSA-OAEP-256 ``enc`` key with fresh kids (D-JOSE
"Creating your JWK Set URI"). Keep the output secret; publish only what the site's ``itsme:jwks``
route (or :meth:`PrivateKeys.public_jwks`) exports.

This module is also the one place for the key-generation options (``--bits``, ``--out``,
``--force``) and the private-file rules that ``manage.py itsme_keys`` shares:
:func:`add_generation_arguments`, :func:`check_generation_options`, :func:`write_private_file`.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from jwcrypto import jwk

from .errors import ConfigurationError
from .keys import MIN_RSA_BITS

__all__ = [
    "DEFAULT_BITS",
    "MAX_BITS",
    "PRIVATE_FILE_MODE",
    "add_bits_argument",
    "add_generation_arguments",
    "check_generation_options",
    "generate_private_jwks",
    "generate_private_key",
    "main",
    "write_private_file",
]

#: The modulus size of new keys: NIST SP 800-57 Part 1 rates RSA-3072 as good beyond 2030, and
#: itsme's floor is 2048 (TB).
DEFAULT_BITS = 3072
#: Refused above this: generation time grows steeply and itsme gains nothing from it.
MAX_BITS = 8192
#: A private key file is readable by its owner only.
PRIVATE_FILE_MODE = 0o600

#: The algorithm each new key is made for: RS256 signatures (D-JOSE), RSA-OAEP-256 encryption
#: (D-JOSE's recommendation since 2022).
_ALGORITHMS = {"sig": "RS256", "enc": "RSA-OAEP-256"}


def generate_private_key(use: Literal["sig", "enc"], *, bits: int = DEFAULT_BITS) -> dict[str, Any]:
    """A new private RSA JWK for one use, with a fresh ``kid`` (``<use>-<yyyymmdd>-<hex>``).

    :param use: ``"sig"`` or ``"enc"``.
    :param bits: modulus size; at least 2048 (TB).
    :returns: the key as a dict, private members included.
    :raises ValueError: ``bits`` below 2048.
    """
    if bits < MIN_RSA_BITS:
        raise ValueError(f"itsme needs RSA keys of at least {MIN_RSA_BITS} bits.")
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    kid = f"{use}-{stamp}-{secrets.token_hex(4)}"
    key = jwk.JWK.generate(kty="RSA", size=bits, kid=kid, use=use, alg=_ALGORITHMS[use])
    exported: dict[str, Any] = json.loads(key.export_private())
    return exported


def generate_private_jwks(*, bits: int = DEFAULT_BITS) -> dict[str, list[dict[str, Any]]]:
    """A new private JWK set: one ``sig`` and one ``enc`` RSA key.

    :param bits: modulus size; at least 2048 (TB). 3072 is the default for keys made today.
    :returns: the set as a dict, private members included.
    :raises ValueError: ``bits`` below 2048.
    """
    return {
        "keys": [generate_private_key("sig", bits=bits), generate_private_key("enc", bits=bits)]
    }


def add_generation_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``--out``, ``--force`` and ``--bits`` (``--bits`` defaults to ``None``: see
    :func:`check_generation_options`).

    :param parser: the command line to extend.
    """
    parser.add_argument(
        "--out",
        metavar="PATH",
        help="write the private set to this new file (mode 0600) instead of standard output",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace the --out file if it already exists"
    )
    add_bits_argument(parser)


def add_bits_argument(parser: argparse.ArgumentParser) -> None:
    """Declare ``--bits`` (default ``None``: :func:`check_generation_options` resolves it).

    :param parser: the command line to extend.
    """
    parser.add_argument(
        "--bits",
        type=int,
        default=None,
        help=f"RSA modulus size, {MIN_RSA_BITS} to {MAX_BITS} (default {DEFAULT_BITS})",
    )


def check_generation_options(*, bits: int | None, out: str | None, force: bool) -> int:
    """Check the key-generation options and resolve the modulus size.

    :param bits: ``--bits``, or ``None`` for :data:`DEFAULT_BITS`.
    :param out: ``--out``, or ``None`` for standard output.
    :param force: ``--force``.
    :returns: the modulus size to use.
    :raises ConfigurationError: a size outside ``MIN_RSA_BITS`` to :data:`MAX_BITS`, or
        ``--force`` without ``--out``.
    """
    size = DEFAULT_BITS if bits is None else bits
    if not MIN_RSA_BITS <= size <= MAX_BITS:
        raise ConfigurationError(f"--bits must be between {MIN_RSA_BITS} and {MAX_BITS}.")
    if force and not out:
        raise ConfigurationError("--force only applies to --out.")
    return size


def write_private_file(path: Path, text: str, *, replace: bool) -> None:
    """Write a private JWK set to ``path`` with mode 0600.

    Without ``replace`` the file is created exclusively (``O_EXCL`` also refuses a symlink);
    with it, a 0600 temporary file in the same directory is renamed over the old one, so the
    old keys stay intact until the new ones are complete.

    :param path: the file.
    :param text: the JSON text.
    :param replace: replace an existing file.
    :raises ConfigurationError: the file exists (without ``replace``) or cannot be written.
    """
    try:
        if replace:
            # mkstemp creates the file with mode 0600.
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".itsme-keys-")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        else:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
    except FileExistsError:
        raise ConfigurationError(f"{path} already exists; pass --force to replace it.") from None
    except OSError as exc:
        raise ConfigurationError(f"Cannot write {path}: {exc.strerror or exc}.") from exc


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; writes the set to ``--out`` (mode 0600) or standard output.

    :param argv: the arguments, without the program name; ``None`` reads ``sys.argv``.
    :returns: the exit status (bad options and unwritable files exit with status 2).
    """
    parser = argparse.ArgumentParser(
        prog="python -m django_itsme.core.keygen",
        description="Generate a private JWK set: one RS256 'sig' and one RSA-OAEP-256 'enc' "
        "key (D-JOSE). Keep it secret; publish only its public half.",
    )
    add_generation_arguments(parser)
    args = parser.parse_args(argv)
    try:
        bits = check_generation_options(bits=args.bits, out=args.out, force=args.force)
        text = json.dumps(generate_private_jwks(bits=bits), indent=2) + "\n"
        if args.out:
            write_private_file(Path(args.out), text, replace=args.force)
    except ConfigurationError as exc:
        parser.error(str(exc))
    if args.out:
        print(f"Wrote a private JWK set to {args.out}; keep it secret.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
