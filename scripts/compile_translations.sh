#!/usr/bin/env bash
# Refresh django-itsme's translations: extract the strings of the Django app (makemessages) into
# django_itsme/locale/{en,fr,nl,de}/LC_MESSAGES/django.po, then compile every .po to its .mo
# (compilemessages). Both files are part of the package: commit them together.
#
#   ./scripts/compile_translations.sh
#
# Then translate the new or changed entries (empty msgstr, or "#, fuzzy") in fr, nl and de, and
# run the script again to compile them; tests/app/test_translations.py fails until every entry
# is translated and every .mo matches its .po. English is the source language: its msgstr stay
# empty.
#
# Extracted: the app's Python files and templates (django_itsme/templates, templatetags, ...).
# Not extracted: the protocol core and the simulator (Django-free, English only) and migrations.
# Locations are written without line numbers, and a run that changes nothing but the
# POT-Creation-Date leaves the .po untouched, so re-running the script is a no-op.
#
# Needs GNU gettext (xgettext, msgmerge, msgattrib, msgfmt; Debian/Ubuntu: apt-get install
# gettext) and Django (the .venv of ./scripts/test, or any Python with Django installed: set
# PYTHON=/path/to/python).
set -euo pipefail
cd "$(dirname "$0")/.."

LOCALES=(en fr nl de)
TRANSLATED=(fr nl de)

if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON="$PWD/.venv/bin/python"; else PYTHON=python3; fi
fi
for tool in xgettext msgmerge msgattrib msgfmt; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: $tool not found; install GNU gettext (apt-get install gettext)" >&2
        exit 1
    fi
done

# The commands need no settings: run them without the caller's. "-P": the modules of
# django_itsme/ (the working directory) must not shadow anything on the path.
unset DJANGO_SETTINGS_MODULE

backup=$(mktemp -d)
trap 'rm -rf "$backup"' EXIT

cd django_itsme
for locale in "${LOCALES[@]}"; do
    po="locale/$locale/LC_MESSAGES/django.po"
    if [ -f "$po" ]; then
        mkdir -p "$backup/$locale"
        cp -p "$po" "$backup/$locale/django.po"
    fi
done

locale_args=()
for locale in "${LOCALES[@]}"; do locale_args+=(-l "$locale"); done

"$PYTHON" -P -m django makemessages "${locale_args[@]}" \
    --domain django \
    --add-location file \
    --no-obsolete \
    --ignore core \
    --ignore simulator \
    --ignore migrations \
    --ignore locale \
    --ignore __pycache__

# Keep a .po whose only change is the POT-Creation-Date line.
without_date() { grep -v '^"POT-Creation-Date: ' "$1"; }
for locale in "${LOCALES[@]}"; do
    po="locale/$locale/LC_MESSAGES/django.po"
    old="$backup/$locale/django.po"
    if [ -f "$old" ] && cmp -s <(without_date "$old") <(without_date "$po"); then
        cp -p "$old" "$po"
    fi
done

# compilemessages skips a .mo newer than its .po; after a checkout mtimes mean nothing, so
# always compile from scratch.
for locale in "${LOCALES[@]}"; do rm -f "locale/$locale/LC_MESSAGES/django.mo"; done
"$PYTHON" -P -m django compilemessages "${locale_args[@]}" --ignore core --ignore simulator

# What is left to translate (English is the source: its entries stay empty).
for locale in "${TRANSLATED[@]}"; do
    po="locale/$locale/LC_MESSAGES/django.po"
    echo "$po: $(msgfmt --statistics -o /dev/null "$po" 2>&1)"
done
