"""Paths and contents of the committed test-only keys (see tests/keys/README.rst)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

KEYS_DIR = Path(__file__).parent / "keys"
RP_PRIVATE = KEYS_DIR / "rp_private.json"
RP_ROTATED = KEYS_DIR / "rp_private_rotated.json"
FOREIGN_PRIVATE = KEYS_DIR / "foreign_private.json"
PROVIDER_PRIVATE = KEYS_DIR / "provider_private.json"
WEAK_PRIVATE = KEYS_DIR / "weak_1024_private.json"


def load(path: Path) -> dict[str, Any]:
    """The JWK set stored at ``path``."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def public(path: Path) -> dict[str, Any]:
    """The public half of the JWK set at ``path``."""
    private_members = {"d", "p", "q", "dp", "dq", "qi"}
    return {
        "keys": [
            {k: v for k, v in key.items() if k not in private_members} for key in load(path)["keys"]
        ]
    }
