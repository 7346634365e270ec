#!/usr/bin/env python
"""The example project's command line: ``python manage.py runserver`` and friends.

``scripts/demo`` at the repository root runs everything (keys, database, simulator, server).
"""

import os
import sys


def main() -> None:
    """Run a Django management command with the demo settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
