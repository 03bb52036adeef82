"""Every user-facing string has a German translation, and the compiled catalog is current."""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
APPS = [path.parent.parent.parent.parent.name for path in ROOT.glob("*/locale/de/LC_MESSAGES/django.po")]


def _untranslated(po: Path) -> list[str]:
    result = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(po)], capture_output=True, text=True, check=True
    )
    fuzzy = subprocess.run(["msgattrib", "--only-fuzzy", str(po)], capture_output=True, text=True, check=True)
    entries = [line for line in (result.stdout + fuzzy.stdout).splitlines() if line.startswith("msgid ")]
    return [entry for entry in entries if entry != 'msgid ""']


def test_each_app_with_strings_has_a_german_catalog():
    assert {"changes", "bulletin", "notifications"} <= set(APPS)


@pytest.mark.parametrize("app", APPS)
def test_every_string_of_the_app_is_translated_to_german(app, tmp_path):
    # Extract afresh from a copy, so a string added without a translation fails here.
    copy = tmp_path / app
    shutil.copytree(ROOT / app, copy, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        # json: the Slack message templates (bulletin/templates/bulletin/messages/*-slack.json).
        [sys.executable, str(ROOT / "manage.py"), "makemessages", "-l", "de", "--no-location", "--no-obsolete",
         "-e", "html,txt,py,json"],
        cwd=copy, check=True, capture_output=True,
    )
    assert _untranslated(copy / "locale/de/LC_MESSAGES/django.po") == []


@pytest.mark.parametrize("app", APPS)
def test_the_compiled_german_catalog_matches_its_source(app, tmp_path):
    po = ROOT / app / "locale/de/LC_MESSAGES/django.po"
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(po)], check=True)
    assert compiled.read_bytes() == po.with_suffix(".mo").read_bytes(), "run: python manage.py compilemessages"


@pytest.mark.parametrize("app", APPS)
def test_the_pages_show_our_german_not_another_apps(app):
    """Django's own catalogs must not win over ours ("Change" is a verb, "Ändern", in the admin's)."""
    with open(ROOT / app / "locale/de/LC_MESSAGES/django.mo", "rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    with translation.override("de"):
        wrong = {
            msgid: (ours, translation.gettext(msgid))
            for msgid, ours in catalog.items()
            # Skip the header, plural forms (keyed by tuples) and strings with a context.
            if isinstance(msgid, str) and msgid and "\x04" not in msgid and translation.gettext(msgid) != ours
        }
    assert wrong == {}
