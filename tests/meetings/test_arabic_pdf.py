"""Letters and badges in Arabic (meetings/registration/printing/shaped.py), read back as their
reader would: the text PDFium extracts must be the source text in logical order, which fails
when glyphs are left unshaped (presentation forms, or isolated letters) or are reversed."""

from __future__ import annotations

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from meetings.registration.printing.pdf import Badge, Letter
from meetings.registration.printing.shaped import needs_shaping, render_badges, render_letter
from tests.meetings.test_pdf import decoded_qr_codes, page_texts

NAME = "أحمد عبد الله الحسني"
MINISTRY = "وزارة الداخلية، جمهورية العراق"
# A lam-alef ligature ("لا"), a tā' marbūṭa, a hamza on alif: shaping that a reversed or
# unshaped run would betray.
SENTENCE = "تتشرف الأمانة بدعوتكم إلى المشاركة في اجتماع كبار المسؤولين لا سيما في إسطنبول"


def arabic_invitation() -> Letter:
    return Letter(
        language="ar",
        dialogue="عملية بودابست",
        secretariat="الأمانة: المركز الدولي لتطوير سياسات الهجرة",
        place_and_date="فيينا، 12 يناير 2027",
        reference="المرجع: BP/SOM/2026/3",
        addressee=(NAME, MINISTRY),
        title="رسالة دعوة",
        paragraphs=(SENTENCE, "ونتطلع إلى الترحيب بكم."),
        signature=("وتفضلوا بقبول فائق الاحترام،", "أمانة عملية بودابست"),
    )


def _lines(data: bytes) -> list[str]:
    return [line.strip() for text in page_texts(data) for line in text.splitlines()]


def _fonts(data: bytes) -> list[tuple[str, bool]]:
    """(name, embedded) of every font used by a text object on the pages."""
    document = pdfium.PdfDocument(data)
    found = []
    try:
        for page in document:
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
                font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
                buffer = (pdfium_c.c_char * 256)()
                length = pdfium_c.FPDFFont_GetBaseFontName(font, buffer, 256)
                name = bytes(buffer[: max(length - 1, 0)]).decode()
                found.append((name, bool(pdfium_c.FPDFFont_GetIsEmbedded(font))))
    finally:
        document.close()
    return found


def test_arabic_letter_text_reads_back_in_logical_order() -> None:
    lines = _lines(render_letter(arabic_invitation()))
    assert NAME in lines
    assert MINISTRY in lines
    assert "رسالة دعوة" in lines
    assert SENTENCE in " ".join(lines)
    # Not presentation forms: the shaped glyphs map back to the letters they were made from.
    assert not any("\ufb50" <= c <= "\ufeff" for line in lines for c in line)


def test_arabic_letter_embeds_its_own_fonts_only() -> None:
    data = render_letter(arabic_invitation())
    fonts = _fonts(data)
    # The vendored faces only (subset prefix "ABCDEF+"), every one embedded: nothing from the
    # machine's fonts, which the reader's computer may not have.
    assert {name.split("+", 1)[1] for name, _embedded in fonts} == {
        "Dialogue-Naskh",
        "Dialogue-Naskh-Bold",
        "Dialogue-Sans",
    }
    assert all(embedded for _name, embedded in fonts)


def test_arabic_letter_is_mirrored_the_letterhead_starts_on_the_right() -> None:
    document = pdfium.PdfDocument(render_letter(arabic_invitation()))
    try:
        page = document[0]
        text = page.get_textpage()
        width = page.get_width()
        # The letterhead (dialogue's name) ends at the right margin; the date at the left one.
        dialogue = text.search("عملية بودابست").get_next()
        assert dialogue is not None
        _left, _bottom, right, _top = text.get_charbox(dialogue[0])
        assert right > width * 0.6
        date = text.search("فيينا").get_next()
        assert date is not None
        date_left, _b, _r, _t = text.get_charbox(date[0])
        assert date_left < width * 0.5
    finally:
        document.close()


def test_symbol_inside_arabic_keeps_its_order_on_the_page() -> None:
    document = pdfium.PdfDocument(render_letter(arabic_invitation()))
    try:
        text = document[0].get_textpage()
        characters = [
            (text.get_charbox(i)[0], chr(pdfium_c.FPDFText_GetUnicode(text.raw, i)))
            for i in range(text.count_chars())
        ]
    finally:
        document.close()
    symbol_characters = [(x, c) for x, c in characters if c in "BPSOM"]
    # Left to right on the page: B, P, S, O, M (a scrambled run reads M O S P B or "3/2026/…").
    assert "".join(c for _x, c in sorted(symbol_characters)) == "BPSOM"


def test_arabic_badges_shape_the_name_and_keep_the_qr_code() -> None:
    badges = [
        Badge(
            meeting="اجتماع كبار المسؤولين، إسطنبول",
            name=NAME,
            affiliation="العراق",
            category="رئيس الوفد",
            token="a" * 32,
        ),
        Badge(
            meeting="SOM Istanbul",
            name="Nino Beridze",
            affiliation="Georgia",
            category="x",
            token="b" * 32,
        ),
    ]
    data = render_badges(badges, language="ar")
    lines = _lines(data)
    assert NAME in lines
    assert "رئيس الوفد" in lines
    assert "Nino Beridze" in lines
    assert all(embedded for _name, embedded in _fonts(data))
    assert sorted(code.text for code in decoded_qr_codes(data)[0]) == ["a" * 32, "b" * 32]


def test_needs_shaping_for_arabic_language_or_arabic_text() -> None:
    assert needs_shaping("ar")
    assert needs_shaping("en", "Nino", NAME)
    assert not needs_shaping("ru", "Нино Беридзе", "BP/SOM/2026/3")


def test_arabic_letter_same_data_gives_same_bytes() -> None:
    assert render_letter(arabic_invitation()) == render_letter(arabic_invitation())
