"""Merge the ru/kk translations kept beside new code (translations/pending/*.json) into the
catalogs, after `make translations-update` has brought new msgids into the .po files.

JSON shape: {"msgid": {"ru": "...", "kk": "..."}, "singular||plural": {"ru": [..3], "kk": [..2]}}.
Only empty or fuzzy entries are filled, so a reviewed translation is never overwritten.
Prints what is still missing; exits 1 if anything is.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "translations"


def load_pending() -> dict:
    merged: dict = {}
    for f in sorted((ROOT / "pending").glob("*.json")):
        merged.update(json.loads(f.read_text(encoding="utf-8")))
    return merged


def main() -> int:
    pending = load_pending()
    missing = 0
    for lang in ("ru", "kk"):
        path = ROOT / lang / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in catalog:
            if not message.id:
                continue
            key = "||".join(message.id) if isinstance(message.id, tuple) else message.id
            done = all(message.string) if isinstance(message.string, tuple) else bool(message.string)
            if done and not message.fuzzy:
                continue
            entry = pending.get(key, {}).get(lang)
            if entry:
                message.string = tuple(entry) if isinstance(message.id, tuple) else entry
                message.flags.discard("fuzzy")
            else:
                missing += 1
                print(f"[{lang}] missing: {key!r}")
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100)
    print(f"{missing} entries still untranslated")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
