"""Text as people type it and as files carry it: one line, or several lines.

Two pure functions, used where text enters (``dialogue.fields.OneLineCharField``) and where it
leaves in a format that has rules of its own (iCalendar, PDF, spreadsheets):

- ``one_line``: for names, titles, places. Line breaks, tabs and the other separators become
  one space (a title pasted from a document keeps its words); other control characters are
  removed; so are the bidirectional embeddings and overrides U+202A-U+202E, with which a name
  could make the text after it read backwards (``invoice<U+202E>fdp.exe``). The bidirectional
  isolates (U+2066-U+2069) and marks (U+200E, U+200F) stay: Arabic or Hebrew mixed with Latin
  needs them, and they cannot reverse the letters around them.
- ``multi_line``: for descriptions, letters, messages. The same, except that line breaks are
  kept (as ``\\n``) and so are tabs.

Both replace an unpaired surrogate (which no UTF-8 file, database or e-mail can hold: a JSON
body can carry one) with U+FFFD. Neither escapes anything: markup is the output's business.
"""

from __future__ import annotations

import re

# Separators that end a line or a field, folded into one space on one line.
_BREAKS = "\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029"
_RUN = f"[ {_BREAKS}]*[{_BREAKS}][ {_BREAKS}]*"
_FOLD = re.compile(_RUN)
_FOLD_AT_ENDS = re.compile(f"^{_RUN}|{_RUN}$")
# C0 and C1 controls that are not separators, DEL, and the embeddings and overrides.
_CONTROLS = "\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u202a-\u202e"
_REMOVE = re.compile(f"[{_CONTROLS}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Anything either function would change: most text has none, and is returned as it is (text
# that ``str.isprintable`` passes has none: it fails on every control, separator, format
# character and surrogate, so the regular expression runs only on the rest).
_SUSPECT = re.compile(f"[{_BREAKS}{_CONTROLS}\ud800-\udfff]")
_LINE_ENDS = re.compile("\r\n?|[\v\f\x1c-\x1e\x85\u2028\u2029]")


def _without_controls(text: str) -> str:
    return _SURROGATE.sub("\ufffd", _REMOVE.sub("", text))


def one_line(text: str) -> str:
    """``text`` on one line: separators folded into a space, other control characters and
    bidirectional overrides removed; a break at either end leaves no space there."""
    if text.isprintable() or _SUSPECT.search(text) is None:
        return text
    return _FOLD.sub(" ", _FOLD_AT_ENDS.sub("", _without_controls(text)))


def multi_line(text: str) -> str:
    """``text`` with its line breaks as ``\\n`` and its tabs, other control characters and
    bidirectional overrides removed."""
    if text.isprintable() or _SUSPECT.search(text) is None:
        return text
    return _without_controls(_LINE_ENDS.sub("\n", text))
