"""Every user-facing string is translated into ru and kk, and the catalogs are in use."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2] / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalog(lang):
    with (ROOT / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _pot_ids():
    with (ROOT / "messages.pot").open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_catalog_is_complete_and_not_fuzzy(lang):
    bad = [
        m.id
        for m in _catalog(lang)
        if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert bad == []


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_catalog_covers_the_template(lang):
    ids = {m.id for m in _catalog(lang) if m.id}
    assert _pot_ids() - ids == set()


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_placeholders_survive_translation(lang):
    for m in _catalog(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for s in strings:
            assert set(PLACEHOLDER.findall(s)) <= wanted | set(PLACEHOLDER.findall(ids[0])), (m.id, s)


def test_kazakh_uses_kazakh_letters():
    text = " ".join(m.string if isinstance(m.string, str) else " ".join(m.string) for m in _catalog("kk") if m.id)
    assert re.search("[әғқңөұүһі]", text), "Kazakh catalog has no Kazakh-specific letters"


@pytest.mark.parametrize(("lang", "phrase"), [("ru", "Страница не найдена"), ("kk", "Бет табылмады")])
def test_pages_render_in_the_chosen_language(host_client, lang, phrase):
    resp = host_client("nosuchsalon").get("/", headers={"Accept-Language": lang})
    assert resp.status_code == 404
    assert phrase.encode() in resp.data
