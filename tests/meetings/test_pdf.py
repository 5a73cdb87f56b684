"""Letters, badges and table PDFs, read back as a reader and a scanner would: by text extraction
(PDFium) and, for the QR codes, by rendering the page and decoding it (zxing-cpp)."""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from typing import Any, cast

import pypdfium2 as pdfium
import pytest
import zxingcpp

from meetings.pdf import Badge, Letter, render_badges, render_letter, render_table

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
MM = 72 / 25.4

SECRETARIAT_EN = (
    "Secretariat: International Centre for Migration Policy Development (ICMPD),"
    " Gonzagagasse 1, 1010 Vienna, Austria"
)


def page_texts(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    try:
        # PDFium reports a hyphen that ends a line as U+FFFE (a possible soft hyphen).
        return [page.get_textpage().get_text_range().replace("\ufffe", "-") for page in document]
    finally:
        document.close()


def flat(text: str) -> str:
    """Text with every run of white space (line ends included) as one space."""
    return " ".join(text.split())


def decoded_qr_codes(data: bytes, *, dpi: int = 150) -> list[list[zxingcpp.Barcode]]:
    """The QR codes found on each page rendered at ``dpi``, about what a cheap scan gives."""
    document = pdfium.PdfDocument(data)
    try:
        return [zxingcpp.read_barcodes(page.render(scale=dpi / 72).to_pil()) for page in document]
    finally:
        document.close()


def english_invitation(**changes: Any) -> Letter:
    letter = Letter(
        language="en",
        dialogue="Budapest Process",
        secretariat=SECRETARIAT_EN,
        place_and_date="Vienna, 12 January 2027",
        reference="BP/SOM/2027/GE/3",
        addressee=(
            "Ms Gulnara Abdullayeva",
            "Ministry of Internal Affairs",
            "Baku, Azərbaycan Respublikası",
        ),
        title="Invitation",
        paragraphs=(
            "The Secretariat of the Budapest Process has the honour to invite a delegation of"
            " Türkiye to the Senior Officials' Meeting in Istanbul on 10-11 March 2027.",
            "Please register the delegation on the platform by 10 February 2027.",
        ),
        signature=("Yours sincerely,", "", "Jane Doe", "Head of the Secretariat"),
    )
    return replace(letter, **changes)


def russian_invitation() -> Letter:
    return Letter(
        language="ru",
        dialogue="Будапештский процесс",
        secretariat=(
            "Секретариат: Международный центр по развитию миграционной политики (МЦРМП),"
            " Гонзагагассе 1, 1010 Вена, Австрия"
        ),
        place_and_date="Вена, 12 января 2027 г.",
        reference="BP/SOM/2027/GE/3",
        addressee=("Г-же Гулнаре Абдуллаевой", "Министерство внутренних дел", "Баку"),
        title="Приглашение",
        paragraphs=(
            "Секретариат Будапештского процесса имеет честь пригласить делегацию"
            " Азербайджанской Республики на встречу старших должностных лиц.",
        ),
        signature=("С уважением,", "Иван Петров", "Руководитель секретариата"),
    )


def test_letter_russian_has_cyrillic_title_addressee_and_letterhead() -> None:
    texts = page_texts(render_letter(russian_invitation()))

    assert len(texts) == 1
    text = flat(texts[0])
    assert "Приглашение" in text
    assert "Г-же Гулнаре Абдуллаевой" in text
    assert "Будапештский процесс" in text
    assert "Гонзагагассе 1, 1010 Вена, Австрия" in text
    assert "Руководитель секретариата" in text


def test_letter_english_has_no_russian_and_keeps_diacritics() -> None:
    texts = page_texts(render_letter(english_invitation()))

    text = flat(" ".join(texts))
    assert CYRILLIC.search(text) is None
    assert "Invitation" in text
    assert "Budapest Process" in text
    assert SECRETARIAT_EN in text
    assert "BP/SOM/2027/GE/3" in text
    assert "Vienna, 12 January 2027" in text
    assert "Baku, Azərbaycan Respublikası" in text
    assert "a delegation of Türkiye" in text
    assert "Head of the Secretariat" in text


def test_letter_prints_markup_characters_as_written() -> None:
    letter = english_invitation(
        addressee=("Ministry of Security of Bosnia & Herzegovina", "<Sarajevo>"),
        paragraphs=("Rates < 5 % & > 2 % apply.",),
    )

    text = flat(page_texts(render_letter(letter))[0])

    assert "Bosnia & Herzegovina" in text
    assert "<Sarajevo>" in text
    assert "Rates < 5 % & > 2 % apply." in text


def test_letter_with_forty_long_paragraphs_flows_over_pages_and_loses_none() -> None:
    paragraphs = tuple(
        f"Paragraph {number} begins. "
        + "The delegation is kindly requested to confirm the names of its members. " * 8
        + f"Paragraph {number} ends."
        for number in range(1, 41)
    )
    letter = english_invitation(paragraphs=paragraphs)

    texts = page_texts(render_letter(letter))

    assert len(texts) > 1
    text = flat(" ".join(texts))
    for number in range(1, 41):
        assert f"Paragraph {number} begins." in text
        assert f"Paragraph {number} ends." in text
    positions = [text.index(f"Paragraph {number} ends.") for number in range(1, 41)]
    assert positions == sorted(positions)
    assert "Budapest Process" in texts[0]
    assert f"1 / {len(texts)}" in texts[0]
    assert f"{len(texts)} / {len(texts)}" in texts[-1]


def test_letter_signature_stays_with_the_last_paragraph() -> None:
    paragraphs = tuple(f"Paragraph {n}. " + "Text of the letter. " * 40 for n in range(1, 9))
    letter = english_invitation(paragraphs=paragraphs)

    texts = page_texts(render_letter(letter))

    last_page = flat(texts[-1])
    assert "Yours sincerely, Jane Doe Head of the Secretariat" in last_page
    assert "Paragraph 8." in last_page


def test_letter_later_pages_repeat_dialogue_and_reference() -> None:
    letter = english_invitation(paragraphs=("Text of the letter. " * 60,) * 10)

    texts = page_texts(render_letter(letter))

    assert len(texts) >= 2
    assert "Budapest Process · BP/SOM/2027/GE/3" in texts[1]


def test_letter_same_data_gives_same_bytes() -> None:
    assert render_letter(russian_invitation()) == render_letter(russian_invitation())


MEETING = "Senior Officials' Meeting of the Budapest Process, Istanbul, 10–11 March 2027"


def make_badges(count: int) -> list[Badge]:
    people = [
        ("Gulnara Abdullayeva", "Azərbaycan", "Head of delegation"),
        ("Ayşe Yılmaz", "Türkiye", "Delegate"),
        ("Иван Петров", "Кыргызская Республика", "Наблюдатель"),
        ("Li Na", "UNHCR", "Press"),
    ]
    badges = []
    for number in range(count):
        name, affiliation, category = people[number % len(people)]
        badges.append(
            Badge(
                meeting=MEETING,
                name=f"{name} {number}",
                affiliation=affiliation,
                category=category,
                token=secrets.token_urlsafe(24),
            )
        )
    return badges


def test_badges_nine_make_two_pages_with_every_name_on_its_page() -> None:
    badges = make_badges(9)

    texts = [flat(text) for text in page_texts(render_badges(badges))]

    assert len(texts) == 2
    for badge in badges[:8]:
        assert badge.name in texts[0]
    assert badges[8].name in texts[1]
    assert badges[8].name not in texts[0]
    assert "Кыргызская Республика" in texts[0]
    assert "Наблюдатель" in texts[0]
    assert "Head of delegation" in texts[1]


def test_badges_qr_codes_decode_to_their_tokens() -> None:
    badges = make_badges(9)

    pages = decoded_qr_codes(render_badges(badges))

    assert [sorted(code.text for code in page) for page in pages] == [
        sorted(badge.token for badge in badges[:8]),
        [badges[8].token],
    ]


def test_badges_qr_codes_are_at_least_two_centimetres_wide() -> None:
    dpi = 150
    (page,) = decoded_qr_codes(render_badges(make_badges(1)), dpi=dpi)

    (code,) = page
    width_mm = (code.position.top_right.x - code.position.top_left.x) / dpi * 25.4
    assert width_mm >= 20


def test_badges_qr_codes_have_a_blank_quiet_zone_of_four_modules() -> None:
    badges = [
        replace(badge, name="Wolfeschlegelsteinhausenbergerdorff Maximilian-Alexander")
        for badge in make_badges(8)
    ]
    dpi = 150
    document = pdfium.PdfDocument(render_badges(badges))
    try:
        image = document[0].render(scale=dpi / 72).to_pil().convert("L")
    finally:
        document.close()

    codes = zxingcpp.read_barcodes(image)

    assert len(codes) == 8
    for code in codes:
        corners = (code.position.top_left, code.position.bottom_right)
        left, right = min(p.x for p in corners), max(p.x for p in corners)
        top, bottom = min(p.y for p in corners), max(p.y for p in corners)
        version = int(cast(dict[str, str], code.extra)["Version"])
        module = (right - left) / (17 + 4 * version)
        quiet = round(4 * module)
        ring = image.crop((left - quiet, top - quiet, right + quiet, bottom + quiet))
        # Blank out the code itself (and a pixel of anti-aliasing round it): what is left is
        # the quiet zone, which must be white.
        ring.paste(255, (quiet - 1, quiet - 1, ring.width - quiet + 1, ring.height - quiet + 1))
        darkest, _lightest = ring.getextrema()
        assert darkest > 200, code.text


def test_badges_long_names_shrink_and_wrap_clear_of_qr_code_and_neighbour() -> None:
    long_names = [
        "Maximilian Alexander Friedrich von Hohenzollern-Sigmaringen",
        "Константин Константинопольский-Александровский",
        "Jean-Baptiste Émile Dupont de la Tour d'Auvergne",
        "Supercalifragilisticexpialidocious Wolfeschlegelsteinhausenbergerdorff",
    ] * 2
    badges = [
        Badge(
            meeting=MEETING,
            name=name,
            affiliation="Federal Ministry of the Interior, Federal Republic of Germany",
            category="Head of delegation",
            token=secrets.token_urlsafe(24),
        )
        for name in long_names
    ]
    data = render_badges(badges)
    dpi = 150
    (codes,) = decoded_qr_codes(data, dpi=dpi)

    document = pdfium.PdfDocument(data)
    try:
        page = document[0]
        page_width, page_height = page.get_size()
        qr_boxes = []  # (left, bottom, right, top) in PDF points
        for code in codes:
            xs = [
                point.x * 72 / dpi for point in (code.position.top_left, code.position.bottom_right)
            ]
            ys = [
                page_height - point.y * 72 / dpi
                for point in (code.position.top_left, code.position.bottom_right)
            ]
            qr_boxes.append((min(xs), min(ys), max(xs), max(ys)))
        textpage = page.get_textpage()
        glyphs = 0
        for index in range(textpage.count_chars()):
            if textpage.get_text_range(index, 1).isspace():
                continue
            left, bottom, right, top = textpage.get_charbox(index)
            glyphs += 1
            # Two badges a row: nothing crosses the cut line in the middle of the page.
            assert right <= page_width / 2 or left >= page_width / 2
            for qr_left, qr_bottom, qr_right, qr_top in qr_boxes:
                overlaps = (
                    left < qr_right and right > qr_left and bottom < qr_top and top > qr_bottom
                )
                assert not overlaps, textpage.get_text_range(index, 1)
    finally:
        document.close()
    assert glyphs > 500
    text = flat(page_texts(data)[0])
    for name in long_names[:3]:
        assert name in text
    assert sorted(code.text for code in codes) == sorted(badge.token for badge in badges)


def test_badges_none_is_refused() -> None:
    with pytest.raises(ValueError, match="no badges"):
        render_badges([])


def test_badges_grid_too_dense_for_a_readable_qr_code_is_refused() -> None:
    with pytest.raises(ValueError, match="QR code"):
        render_badges(make_badges(2), columns=4, rows=8)


def test_table_pdf_many_columns_turn_the_page_to_landscape() -> None:
    columns = [f"Column number {n}" for n in range(12)]
    data = render_table(
        title="Wide",
        subtitle="",
        columns=columns,
        groups=[("", [[f"value {n}" for n in range(12)]])],
    )

    document = pdfium.PdfDocument(data)
    try:
        width, height = document[0].get_size()
    finally:
        document.close()
    assert width > height


def test_table_pdf_few_columns_stay_portrait() -> None:
    data = render_table(
        title="Narrow", subtitle="", columns=["Name", "State"], groups=[("", [["A", "B"]])]
    )

    document = pdfium.PdfDocument(data)
    try:
        width, height = document[0].get_size()
    finally:
        document.close()
    assert width < height


# --- Any text ----------------------------------------------------------------------------------

NOT_A_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\ud800-\udfff]")
ODD = "Nino\x00 Beri\x07dze\u202e evil\u202c \ud800 <b>&amp;</b>"


def test_letter_with_controls_overrides_and_a_lone_surrogate_prints_what_is_text() -> None:
    letter = english_invitation(
        title=f"Invitation\r\n{ODD}",
        reference=f"BP/SOM\n{ODD}",
        addressee=(ODD, "Ministry"),
        paragraphs=(f"{ODD}\r\nSecond line", "W" * 30_000),
    )

    text = " ".join(page_texts(render_letter(letter)))

    assert NOT_A_CHARACTER.search(text) is None
    assert "Nino Beridze evil \ufffd <b>&amp;</b>" in flat(text)
    assert "Invitation Nino Beridze" in flat(text)


def test_badge_with_controls_and_a_lone_surrogate_prints_on_one_line() -> None:
    badge = replace(make_badges(1)[0], name=f"Nino\nBeridze{ODD}", meeting=f"SOM\r\n{ODD}")

    data = render_badges([badge])

    assert NOT_A_CHARACTER.search(" ".join(page_texts(data))) is None
    assert [code.text for code in decoded_qr_codes(data)[0]] == [badge.token]


def test_table_cell_taller_than_a_page_is_cut_and_the_rest_prints() -> None:
    """A cell longer than any field may hold (stored before the limits held) costs its end,
    not the whole file: a row, or a heading kept with its first row, must fit on a page."""
    long = " ".join(["Ministry of Internal Affairs"] * 2_000)
    data = render_table(
        title="List",
        subtitle="",
        columns=["Name", "Ministry", "Phone"],
        groups=[(long, [["Nino", long, "+995"], ["Ion", "Ministry", "+373"]])],
    )

    text = flat(" ".join(page_texts(data)))

    assert text.count("…") == 2  # the heading, and the cell
    assert text.startswith("List Name Ministry Phone Ministry of Internal Affairs Ministry")
    assert "Ion Ministry +373" in text
