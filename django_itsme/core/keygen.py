"""Generate a private JWK set: ``python -m django_itsme.core.keygen [--bits N] [--out FILE]``.

The set holds one RS256 ``sig`` key and one RSA-OAEP-256 ``enc`` key with fresh kids (D-JOSE
"Creating your JWK Set URI"). Keep the output secret; publish only what the site's ``itsme:jwks``
route (or :meth:`PrivateKeys.public_jwks`) exports.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from datetime import UTC, datetime
from typing import Any, Literal

from jwcrypto import jwk

from .keys import MIN_RSA_BITS

__all__ = ["generate_private_jwks", "generate_private_key", "main"]

#: The algorithm each new key is made for: RS256 signatures (D-JOSE), RSA-OAEP-256 encryption
#: (D-JOSE's recommendation since 2022).
_ALGORITHMS = {"sig": "RS256", "enc": "RSA-OAEP-256"}


def generate_private_key(use: Literal["sig", "enc"], *, bits: int = 3072) -> dict[str, Any]:
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


def generate_private_jwks(*, bits: int = 3072) -> dict[str, list[dict[str, Any]]]:
    """A new private JWK set: one ``sig`` and one ``enc`` RSA key.

    :param bits: modulus size; at least 2048 (TB). 3072 is the default for keys made today.
    :returns: the set as a dict, private members included.
    :raises ValueError: ``bits`` below 2048.
    """
    return {
        "keys": [generate_private_key("sig", bits=bits), generate_private_key("enc", bits=bits)]
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; writes the set to ``--out`` (mode 0600) or standard output."""
    parser = argparse.ArgumentParser(prog="python -m django_itsme.core.keygen", description=__doc__)
    parser.add_argument("--bits", type=int, default=3072, help="RSA modulus size (>= 2048)")
    parser.add_argument("--out", help="file to create (refuses to overwrite)")
    args = parser.parse_args(argv)
    text = json.dumps(generate_private_jwks(bits=args.bits), indent=2) + "\n"
    if args.out:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"Wrote a private JWK set to {args.out}; keep it secret.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
