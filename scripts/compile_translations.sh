#!/usr/bin/env bash
# Refresh django-itsme's translations: extract the strings of the Django app (makemessages) into
# django_itsme/locale/{en,fr,nl,de}/LC_MESSAGES/django.po, then compile every .po to its .mo
# (compilemessages). Both files are part of the package: commit them together.
# Then do the same for the demo site: example_project/demo/locale/{fr,nl,de}/LC_MESSAGES/.
#
#   ./scripts/compile_translations.sh
#
# Then translate the new or changed entries (empty msgstr, or "#, fuzzy") in fr, nl and de, and
# run the script again to compile them; tests/app/test_translations.py (the package) and
# tests/app/test_demo_catalogues.py (the demo) fail until every entry is translated and every
# .mo matches its .po. English is the source language: its msgstr stay empty.
#
# Extracted: the app's Python files and templates (django_itsme/templates, templatetags, ...).
# Not extracted: the protocol core and the simulator (Django-free, English only) and migrations.
# Locations are written without line numbers, and a run that changes nothing but the
# POT-Creation-Date leaves the .po untouched, so re-running the script is a no-op.
#
# The demo's catalogue holds only the demo's own strings: a string the package already
# translates (the demo's templates reuse a few, e.g. "Try again") is left to the package's
# catalogue, which Django merges with the demo's at run time. Not extracted from the demo:
# settings.py (its LANGUAGES names are Django's own strings) and the static files.
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
ROOT=$PWD

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
keep_unchanged() {  # keep_unchanged BACKUP_DIR LOCALE...
    local saved=$1 locale po old
    shift
    for locale in "$@"; do
        po="locale/$locale/LC_MESSAGES/django.po"
        old="$saved/$locale/django.po"
        if [ -f "$old" ] && cmp -s <(without_date "$old") <(without_date "$po"); then
            cp -p "$old" "$po"
        fi
    done
}
keep_unchanged "$backup" "${LOCALES[@]}"

# compilemessages skips a .mo newer than its .po; after a checkout mtimes mean nothing, so
# always compile from scratch.
for locale in "${LOCALES[@]}"; do rm -f "locale/$locale/LC_MESSAGES/django.mo"; done
"$PYTHON" -P -m django compilemessages "${locale_args[@]}" --ignore core --ignore simulator

# What is left to translate (English is the source: its entries stay empty).
for locale in "${TRANSLATED[@]}"; do
    po="locale/$locale/LC_MESSAGES/django.po"
    echo "django_itsme/$po: $(msgfmt --statistics -o /dev/null "$po" 2>&1)"
done

# ----------------------------------------------------------------------------- the demo site
# Its own catalogue, in the demo app (INSTALLED_APPS lists it first, so Django finds it); no
# English catalogue: English is the source and the demo has nothing to change in it.
DEMO_LOCALES=(fr nl de)
package_po="$ROOT/django_itsme/locale/en/LC_MESSAGES/django.po"

cd "$ROOT/example_project/demo"
mkdir -p locale "$backup/demo"
for locale in "${DEMO_LOCALES[@]}"; do
    po="locale/$locale/LC_MESSAGES/django.po"
    if [ -f "$po" ]; then
        mkdir -p "$backup/demo/$locale"
        cp -p "$po" "$backup/demo/$locale/django.po"
    fi
done

demo_locale_args=()
for locale in "${DEMO_LOCALES[@]}"; do demo_locale_args+=(-l "$locale"); done

"$PYTHON" -P -m django makemessages "${demo_locale_args[@]}" \
    --domain django \
    --add-location file \
    --no-obsolete \
    --ignore settings.py \
    --ignore static \
    --ignore locale \
    --ignore __pycache__

# Drop the strings the package's catalogue already has (its English .po lists them all): mark
# them obsolete, then remove the obsolete entries. The header stays.
for locale in "${DEMO_LOCALES[@]}"; do
    po="locale/$locale/LC_MESSAGES/django.po"
    msgattrib --only-file="$package_po" --set-obsolete -o "$po.tmp" "$po"
    msgattrib --no-obsolete -o "$po" "$po.tmp"
    rm -f "$po.tmp"
done
keep_unchanged "$backup/demo" "${DEMO_LOCALES[@]}"

for locale in "${DEMO_LOCALES[@]}"; do rm -f "locale/$locale/LC_MESSAGES/django.mo"; done
"$PYTHON" -P -m django compilemessages "${demo_locale_args[@]}" --ignore static

for locale in "${DEMO_LOCALES[@]}"; do
    po="locale/$locale/LC_MESSAGES/django.po"
    echo "example_project/demo/$po: $(msgfmt --statistics -o /dev/null "$po" 2>&1)"
done
