"""Fail when a Russian translation is missing or fuzzy (run by `make check`)."""

import re
import sys
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def untranslated(text: str) -> list[str]:
    problems = []
    for block in text.split("\n\n")[1:]:  # the first block is the header
        if not block.strip() or block.lstrip().startswith("#~"):
            continue
        msgid = " ".join(re.findall(r'^msgid "(.*)"', block, re.M))
        if "#, fuzzy" in block:
            problems.append(f"fuzzy: {msgid}")
            continue
        strings = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block + "\n", re.M)
        if not strings or any(not "".join(re.findall(r'"(.*)"', s)) for s in strings):
            problems.append(f"missing: {msgid}")
    return problems


if __name__ == "__main__":
    found = untranslated(CATALOGUE.read_text(encoding="utf-8"))
    for line in found:
        print(line)
    print(f"{len(found)} Russian translations missing or fuzzy in {CATALOGUE.name}")
    sys.exit(1 if found else 0)
