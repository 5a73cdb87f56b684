"""Printable outcome texts: the comparison of two revisions and the compilation of comments as
PDF (a template through WeasyPrint, with the vendored fonts, so Arabic and Cyrillic are shaped
as in the letters) and the compilation as DOCX.

The DOCX is written here (WordprocessingML: a ZIP of four XML parts): headings, paragraphs
and one run per text, which is all a compilation needs; see docs/architecture.md
("Compilations as DOCX") for why not python-docx.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from meetings.models import Outcome
from meetings.registration.printing.shaped import FONT_FACES, _pdf

from .negotiation import Compilation, where

_PRINT_CSS = """
@page { size: A4; margin: 20mm; @bottom-center { content: counter(page) " / " counter(pages); } }
body { font-family: "Dialogue Sans", "Dialogue Naskh"; font-size: 10.5pt; line-height: 1.4; }
[lang=ar], [dir=rtl] { font-family: "Dialogue Naskh", "Dialogue Sans"; }
h1 { font-size: 15pt; } h2 { font-size: 12pt; margin-top: 14pt; }
ins { background: #d8f5d8; text-decoration: underline; }
del { background: #f8dada; text-decoration: line-through; }
.status { font-size: 9pt; color: #444; }
.comment { margin: 4pt 0 8pt 12pt; }
.proposed { border-left: 2pt solid #888; padding-left: 6pt; }
"""


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """``template`` rendered and laid out as an A4 PDF."""
    return _pdf(render_to_string(template, context), FONT_FACES + _PRINT_CSS)


# --- DOCX --------------------------------------------------------------------------------------

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""  # noqa: E501 - the XML reads better unwrapped

_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""  # noqa: E501

_DOCUMENT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>"""

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _paragraph(
    text: str, *, bold: bool = False, size: int = 0, rtl: bool = False, italic: bool = False
) -> str:
    props = ""
    if bold:
        props += "<w:b/>"
    if italic:
        props += "<w:i/>"
    if size:
        props += f'<w:sz w:val="{size}"/>'
    if rtl:
        props += "<w:rtl/>"
    run_props = f"<w:rPr>{props}</w:rPr>" if props else ""
    para_props = "<w:pPr><w:bidi/></w:pPr>" if rtl else ""
    runs = []
    for n, line in enumerate(text.split("\n")):
        if n:
            runs.append(f"<w:r>{run_props}<w:br/></w:r>")
        runs.append(f'<w:r>{run_props}<w:t xml:space="preserve">{escape(line)}</w:t></w:r>')
    return f"<w:p>{para_props}{''.join(runs)}</w:p>"


def render_docx(compiled: Compilation, *, outcome: Outcome) -> bytes:
    """The compilation as a Word document: the title, then each paragraph's text and the
    comments on it, state by state in the compilation's order."""
    rtl = compiled.language == "ar"
    parts = [
        _paragraph(
            f"{compiled.revision.title_i18n.pick(compiled.language)} · {compiled.revision.label}",
            bold=True,
            size=32,
            rtl=rtl,
        ),
        _paragraph(_("Compilation of comments") + f" · {outcome.meeting.title}", rtl=rtl),
    ]
    for row in compiled.paragraphs:
        if row.number is None:
            if not row.comments:
                continue
            heading = _("On the revision as a whole")
        else:
            heading = _("Paragraph %(number)d") % {"number": row.number}
        parts.append(_paragraph(heading, bold=True, size=26, rtl=rtl))
        if row.text:
            parts.append(_paragraph(row.text, italic=True, rtl=rtl))
        if not row.comments:
            parts.append(_paragraph(_("No comments."), rtl=rtl))
        for c in row.comments:
            label = f"{c.state.name} ({where(c)})"
            if c.no_objection:
                label += " · " + _("No objection")
            parts.append(_paragraph(label, bold=True, rtl=rtl))
            if c.text:
                parts.append(_paragraph(c.text, rtl=rtl))
            if c.proposed_text:
                parts.append(_paragraph(_("Proposed wording:"), italic=True, rtl=rtl))
                parts.append(_paragraph(c.proposed_text, rtl=rtl))
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_W}"><w:body>{"".join(parts)}'
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134"/></w:sectPr>'
        "</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/_rels/document.xml.rels", _DOCUMENT_RELS)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()
