"""Business content in several languages: names, descriptions and addresses a business types.

A translatable row keeps its text in the business's **default language** in the ordinary
columns (``name``, ``address``...) and every other language's version in one JSON column,
``translations`` = ``{"kk": {"name": "..."}, "ru": {...}}``.  Reading a row in any language is
therefore the same single query as before: no join, no per-row lookup, and the cached
records (``app.core.cache``) carry the versions along with the columns.

Which text a reader gets: their language's version when the business wrote one, else the
default language's (the column).  ``text_in`` is that rule; the ``tr`` template filter applies
it in the page's locale.

Writes go through the domain services, which clean each version with the field's own rule
(``app.core.fields``) and store it with :func:`apply_versions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from app.core.fields import Rule, RuleError
from app.core.i18n import SUPPORTED


class Translatable:
    """Mixin: the ``translations`` column and the names of the fields it may hold."""

    #: The columns whose text has versions per language (set by each model).
    translated_fields: ClassVar[tuple[str, ...]] = ()

    translations: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)


def text_in(obj: Any, field: str, lang: str | None) -> str:
    """``field`` of ``obj`` (a model or a cached record) in ``lang``, else the default language's."""
    base = getattr(obj, field, None)
    if lang:
        version = ((getattr(obj, "translations", None) or {}).get(lang) or {}).get(field)
        if version:
            return version
    return base if base is not None else ""


def all_versions(
    obj: Any,
    default_language: str,
    languages: Iterable[str] = SUPPORTED,
    fields: Iterable[str] | None = None,
) -> dict[str, dict[str, str]]:
    """Every language's version of every translated field: ``{"ru": {"name": ...}, ...}``.

    The default language always has its entry (the columns); another language only when
    at least one of its fields was written.  ``fields`` defaults to the model's
    ``translated_fields`` (a cached record has to be told them).
    """
    fields = tuple(fields if fields is not None else type(obj).translated_fields)
    stored = getattr(obj, "translations", None) or {}
    out: dict[str, dict[str, str]] = {}
    for lang in languages:
        if lang == default_language:
            out[lang] = {f: getattr(obj, f, None) or "" for f in fields}
        elif stored.get(lang):
            out[lang] = {f: stored[lang].get(f) or "" for f in fields}
    return out


def lift_default(data: Mapping[str, Any], default_language: str, fields: Iterable[str]) -> dict[str, Any]:
    """``data`` with the default language's entry of ``data["translations"]`` moved to the
    top-level fields it versions (it wins over them), so the ordinary field rules clean it."""
    raw = data.get("translations")
    if not isinstance(raw, Mapping) or not isinstance(raw.get(default_language), Mapping):
        return dict(data)
    own = raw[default_language]
    rest = {k: v for k, v in raw.items() if k != default_language}
    unknown = {k: v for k, v in own.items() if k not in fields}
    if unknown:
        rest[default_language] = unknown  # reported by clean_versions as fields without versions
    return {**data, **{k: v for k, v in own.items() if k in fields}, "translations": rest}


def clean_versions(
    errors: dict[str, list], raw: Any, rules: Mapping[str, Rule], default_language: str
) -> dict[str, dict[str, str]] | None:
    """``raw`` (``{lang: {field: text}}``) cleaned with each field's rule, or ``None`` when absent.

    Errors are reported as ``translations.<lang>.<field>``.  An empty text means "no version
    in this language"; the default language's required fields stay required.
    """
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        errors.setdefault("translations", []).append(_msg_shape())
        return None
    out: dict[str, dict[str, str]] = {}
    for lang_raw, version in raw.items():
        if lang_raw not in SUPPORTED:
            errors.setdefault("translations", []).append(_msg_language())
            continue
        lang = lang_raw
        if not isinstance(version, Mapping):
            errors.setdefault(f"translations.{lang}", []).append(_msg_shape())
            continue
        clean: dict[str, str] = {}
        for field, value in version.items():
            rule = rules.get(field)
            if rule is None:
                errors.setdefault(f"translations.{lang}", []).append(_msg_field(field))
                continue
            if lang != default_language and (value is None or (isinstance(value, str) and not value.strip())):
                clean[field] = ""  # no version in this language: readers get the default language's
                continue
            try:
                clean[field] = rule.clean(value)
            except RuleError as exc:
                errors.setdefault(f"translations.{lang}.{field}", []).append(exc.message)
        out[lang] = clean
    return out


def apply_versions(obj: Any, versions: Mapping[str, Mapping[str, str]], default_language: str) -> None:
    """Store cleaned ``versions`` on ``obj``: the default language's into the columns, the
    others merged into ``translations``; an empty text removes that language's version."""
    stored = {k: dict(v) for k, v in (getattr(obj, "translations", None) or {}).items()}
    for lang, version in versions.items():
        if lang == default_language:
            for field, value in version.items():
                setattr(obj, field, value)
            continue
        merged = {f: v for f, v in {**stored.get(lang, {}), **version}.items() if v}
        if merged:
            stored[lang] = merged
        else:
            stored.pop(lang, None)
    stored.pop(default_language, None)
    obj.translations = stored


def change_default(obj: Any, old: str, new: str) -> None:
    """The business switched its default language from ``old`` to ``new``: the ``new``
    version moves into the columns and the previous column text becomes the ``old`` version.
    A field without a ``new`` version keeps its text in the columns (readers of ``new`` saw
    that text before and still do)."""
    if old == new:
        return
    stored = {k: dict(v) for k, v in (getattr(obj, "translations", None) or {}).items()}
    incoming = stored.pop(new, {})
    previous: dict[str, str] = {}
    for field in type(obj).translated_fields:
        current = getattr(obj, field, None) or ""
        if incoming.get(field):
            if current:
                previous[field] = current
            setattr(obj, field, incoming[field])
    if previous:
        stored[old] = {**stored.get(old, {}), **previous}
    obj.translations = stored


# The Kazakh Cyrillic alphabet in its order; Russian's is the same without the Kazakh
# letters, so one table sorts both (code points would put Ә, Қ, Ү... after Я).
_CYRILLIC = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
_ORDER = {ch: 0x10000 + i for i, ch in enumerate(_CYRILLIC)}


def collation_key(text: str) -> tuple[int, ...]:
    """``text`` as a case-insensitive sort key in Kazakh and Russian alphabetical order."""
    return tuple(_ORDER.get(ch, ord(ch)) for ch in text.casefold())


def sort_key(lang: str | None, field: str = "name"):
    """A key that orders rows by the text a reader of ``lang`` sees, alphabetically."""

    def key(obj: Any) -> tuple:
        return (collation_key(text_in(obj, field, lang)), getattr(obj, "id", 0))

    return key


def _msg_shape():
    return _l("Give the versions as an object: language code, then field name and text.")


def _msg_language():
    return _l("Use the language codes en, ru or kk.")


def _msg_field(field: str):
    return _l("“%(field)s” has no versions in other languages.", field=field)
