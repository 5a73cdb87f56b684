"""Fail when any interface catalogue under locale/ is incomplete (run by `make check`).

Every catalogue (Russian, Arabic, …) must hold every msgid that any of them holds, each
translated and none fuzzy, and a plural entry must have exactly as many forms as its header's
`Plural-Forms: nplurals=N` says (Russian three, Arabic six). A python-format entry keeps every
placeholder of its msgid in every form, except that a form the plural rule uses for one number
only (Arabic's zero, one and two) may spell that number out instead of its placeholder: msgfmt
checks a form for unknown placeholders, not for dropped ones. Prints what is wrong per language
and exits 1 when anything is.
"""

import gettext
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "locale"
SHOWN = 100  # characters of a msgid shown in a report line

_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*)$")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
_PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]\w*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False
    python_format: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def _unquote(line: str) -> str:
    body = "".join(_STRING.findall(line))
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def parse(text: str) -> list[Entry]:
    """The catalogue's entries, header included (msgid ""), obsolete ones (#~) left out."""
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry, current = Entry(), ""
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#"):
                flags = line[2:].replace(",", " ").split() if line.startswith("#,") else []
                entry.fuzzy |= "fuzzy" in flags
                entry.python_format |= "python-format" in flags
                continue
            if line.startswith('"'):
                value = _unquote(line)
            elif match := _KEYWORD.match(line):
                current, value = match.group(1), _unquote(match.group(3))
                if current.startswith("msgstr"):
                    entry.msgstr.setdefault(int(match.group(2) or 0), "")
            else:
                continue
            if current.startswith("msgstr"):
                index = int(current[7:-1]) if "[" in current else 0
                entry.msgstr[index] += value
            elif current == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            elif current == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            elif current == "msgid":
                entry.msgid += value
        if entry.msgstr:  # a block of only comments (or only obsolete #~ lines) is no entry
            entries.append(entry)
    return entries


def nplurals(header: Entry) -> int | None:
    match = re.search(r"^Plural-Forms:.*?nplurals\s*=\s*(\d+)", header.msgstr.get(0, ""), re.M)
    return int(match.group(1)) if match else None


def single_number_forms(header: Entry) -> set[int]:
    """The plural forms the header's rule picks for one n only (Arabic: 0, 1 and 2)."""
    match = re.search(r"^Plural-Forms:.*?plural\s*=\s*([^;]+)", header.msgstr.get(0, ""), re.M)
    if not match:
        return set()
    rule = gettext.c2py(match.group(1))
    picked = Counter(rule(n) for n in range(1000))
    return {form for form, times in picked.items() if times == 1}


def _placeholder_problems(entry: Entry, spelled_out: set[int]) -> list[str]:
    wanted = set(_PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
    found = []
    for index, text in sorted(entry.msgstr.items()):
        lacking = wanted - set(_PLACEHOLDER.findall(text))
        if entry.msgid_plural is not None and index in spelled_out and len(lacking) <= 1:
            continue  # the one number this form stands for, written as a word
        if lacking:
            where = f"msgstr[{index}]" if entry.msgid_plural is not None else "msgstr"
            found.append(
                f"placeholders: {_shown(entry)}: {where} lacks {', '.join(sorted(lacking))}"
            )
    return found


def _shown(entry: Entry) -> str:
    text = entry.msgid.replace("\n", "\\n")
    text = text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"
    return f'"{text}"' + (f" (context {entry.msgctxt!r})" if entry.msgctxt else "")


def problems(entries: list[Entry], expected: set[tuple[str | None, str]]) -> list[str]:
    """What is wrong with one catalogue, one line each; `expected` is every msgid of all."""
    header = next((e for e in entries if e.key == (None, "")), None)
    found = []
    if header is None:
        return ['no header entry (msgid "")']
    if header.fuzzy:
        found.append("header: marked fuzzy (compilemessages would drop it)")
    forms = nplurals(header)
    if forms is None:
        found.append("header: no Plural-Forms with nplurals")
    spelled_out = single_number_forms(header)
    present = {e.key for e in entries}
    for key in sorted(expected - present, key=lambda k: (k[1], k[0] or "")):
        absent = Entry(msgctxt=key[0], msgid=key[1])
        found.append(f"missing: {_shown(absent)} is not in the catalogue")
    for entry in entries:
        if entry is header:
            continue
        if entry.fuzzy:
            found.append(f"fuzzy: {_shown(entry)}")
            continue
        empty = [i for i, s in sorted(entry.msgstr.items()) if not s]
        if entry.msgid_plural is not None and forms is not None and len(entry.msgstr) != forms:
            found.append(
                f"plural forms: {_shown(entry)} has {len(entry.msgstr)}, the header says {forms}"
            )
        elif empty:
            where = f" (msgstr[{', '.join(map(str, empty))}])" if entry.msgid_plural else ""
            found.append(f"missing: {_shown(entry)}{where}")
        elif entry.python_format:
            found.extend(_placeholder_problems(entry, spelled_out))
    return found


def main(locale: Path = LOCALE) -> int:
    catalogues = sorted(locale.glob("*/LC_MESSAGES/django.po"))
    if not catalogues:
        print(f"No catalogue found under {locale}")
        return 1
    parsed = {path: parse(path.read_text(encoding="utf-8")) for path in catalogues}
    expected = {e.key for entries in parsed.values() for e in entries if e.key != (None, "")}
    failed = 0
    for path, entries in parsed.items():
        language = path.parent.parent.name
        found = problems(entries, expected)
        name = path.relative_to(locale.parent)
        if found:
            failed += 1
            print(f"{language}: {len(found)} problem(s) in {name}")
            for line in found:
                print(f"  {line}")
        else:
            print(f"{language}: complete, {len(expected)} msgids ({name})")
    if failed:
        print(f"{failed} of {len(parsed)} catalogues incomplete")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
