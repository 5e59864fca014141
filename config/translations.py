"""Compile the translation catalogues (locale/<lang>/LC_MESSAGES/*.po → .mo) without GNU gettext.

Django reads only the binary .mo files, which are build output and not committed. `compilemessages`
needs GNU gettext's msgfmt, which a machine with nothing but Python lacks, so the launcher (before
`run` and `test`) and the Dockerfile compile with polib instead. Django is not imported here: the
launcher calls this before any settings exist.
"""

from __future__ import annotations

import sys
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogues_compile(locale_dir: Path = LOCALE_DIR, *, force: bool = False) -> list[Path]:
    """Write each catalogue's .mo where it is missing or older than its .po; return those written.

    Fuzzy and untranslated entries are left out, as msgfmt does: a guess never reaches a person,
    who sees the English text instead.
    """
    import polib

    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        # Written aside and renamed, so a process reading the catalogue never sees half a file.
        partial = mo_path.with_suffix(".mo.partial")
        polib.pofile(str(po_path)).save_as_mofile(str(partial))
        partial.replace(mo_path)
        written.append(mo_path)
    return written


def main() -> int:
    for mo_path in catalogues_compile(force="--force" in sys.argv[1:]):
        print(f"[compa] compiled {mo_path.relative_to(LOCALE_DIR.parent)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
