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

# Each step works in the current directory (an app whose catalogues are in locale/) on the
# locales given after its first argument.

save_catalogues() {  # save_catalogues SAVE_DIR LOCALE...
    local saved=$1 locale po
    shift
    for locale in "$@"; do
        po="locale/$locale/LC_MESSAGES/django.po"
        if [ -f "$po" ]; then
            mkdir -p "$saved/$locale"
            cp -p "$po" "$saved/$locale/django.po"
        fi
    done
}

extract() {  # extract "LOCALE..." [--ignore PATTERN]...
    local locale args=()
    for locale in $1; do args+=(-l "$locale"); done
    shift
    "$PYTHON" -P -m django makemessages "${args[@]}" \
        --domain django --add-location file --no-obsolete \
        --ignore locale --ignore __pycache__ "$@"
}

# Keep a .po whose only change is the POT-Creation-Date line.
without_date() { grep -v '^"POT-Creation-Date: ' "$1"; }
keep_unchanged() {  # keep_unchanged SAVE_DIR LOCALE...
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

compile() {  # compile "LOCALE..." [--ignore PATTERN]...
    local locale args=()
    for locale in $1; do
        args+=(-l "$locale")
        # compilemessages skips a .mo newer than its .po; after a checkout mtimes mean nothing,
        # so always compile from scratch.
        rm -f "locale/$locale/LC_MESSAGES/django.mo"
    done
    shift
    "$PYTHON" -P -m django compilemessages "${args[@]}" "$@"
}

report() {  # report PREFIX LOCALE...: what is left to translate
    local prefix=$1 locale po
    shift
    for locale in "$@"; do
        po="locale/$locale/LC_MESSAGES/django.po"
        echo "$prefix/$po: $(msgfmt --statistics -o /dev/null "$po" 2>&1)"
    done
}

# ----------------------------------------------------------------------------- the package
cd "$ROOT/django_itsme"
save_catalogues "$backup/package" "${LOCALES[@]}"
extract "${LOCALES[*]}" --ignore core --ignore simulator --ignore migrations
keep_unchanged "$backup/package" "${LOCALES[@]}"
compile "${LOCALES[*]}" --ignore core --ignore simulator
report django_itsme "${TRANSLATED[@]}"  # English is the source: its entries stay empty

# ----------------------------------------------------------------------------- the demo site
# Its own catalogue, in the demo app (INSTALLED_APPS lists it first, so Django finds it); no
# English catalogue: English is the source and the demo has nothing to change in it.
DEMO_LOCALES=(fr nl de)
package_po="$ROOT/django_itsme/locale/en/LC_MESSAGES/django.po"

cd "$ROOT/example_project/demo"
mkdir -p locale
save_catalogues "$backup/demo" "${DEMO_LOCALES[@]}"
extract "${DEMO_LOCALES[*]}" --ignore settings.py --ignore static

# Drop the strings the package's catalogue already has (its English .po lists them all): mark
# them obsolete, then remove the obsolete entries. The header stays.
for locale in "${DEMO_LOCALES[@]}"; do
    po="locale/$locale/LC_MESSAGES/django.po"
    msgattrib --only-file="$package_po" --set-obsolete -o "$po.tmp" "$po"
    msgattrib --no-obsolete -o "$po" "$po.tmp"
    rm -f "$po.tmp"
done
keep_unchanged "$backup/demo" "${DEMO_LOCALES[@]}"
compile "${DEMO_LOCALES[*]}" --ignore static
report example_project/demo "${DEMO_LOCALES[@]}"
