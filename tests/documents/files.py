"""Real files made in the tests, with the text given: PDF (WeasyPrint, shaped like our Arabic
letters), DOCX, ODT, XLSX (XlsxWriter) and plain text."""

from __future__ import annotations

import html
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from meetings.registration.printing.shaped import FONT_DIR


def pdf_file(text: str, *, language: str = "en", name: str = "paper.pdf") -> SimpleUploadedFile:
    from weasyprint import HTML

    direction = "rtl" if language == "ar" else "ltr"
    family = "Naskh" if language == "ar" else "Sans"
    font = "NotoNaskhArabic-Regular.ttf" if language == "ar" else "DejaVuSans.ttf"
    page = (
        f'<html lang="{language}" dir="{direction}"><head><style>'
        f'@font-face {{ font-family: "{family}"; src: url("{(FONT_DIR / font).as_uri()}"); }}'
        f'body {{ font-family: "{family}"; font-variant-ligatures: no-common-ligatures; }}'
        f"</style></head><body>"
        + "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n"))
        + "</body></html>"
    )
    return SimpleUploadedFile(name, HTML(string=page).write_pdf())


def docx_file(text: str, *, name: str = "paper.docx") -> SimpleUploadedFile:
    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{html.escape(line)}</w:t></w:r></w:p>'
        for line in text.split("\n")
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
            '/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            f"{paragraphs}</w:body></w:document>",
        )
    return SimpleUploadedFile(name, buffer.getvalue())


def odt_file(text: str, *, name: str = "paper.odt") -> SimpleUploadedFile:
    paragraphs = "".join(f"<text:p>{html.escape(line)}</text:p>" for line in text.split("\n"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text"
        )  # stored first and uncompressed, as ODF requires
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
            'names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/"'
            ' manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry'
            ' manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
        archive.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:'
            'oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:'
            'opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:text>'
            f"{paragraphs}</office:text></office:body></office:document-content>",
        )
    return SimpleUploadedFile(name, buffer.getvalue())


def xlsx_file(text: str, *, name: str = "table.xlsx") -> SimpleUploadedFile:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Data")
    for row, line in enumerate(text.split("\n")):
        sheet.write_string(row, 0, line)
        sheet.write_number(row, 1, row)
    workbook.close()
    return SimpleUploadedFile(name, buffer.getvalue())


def text_file(text: str, *, name: str = "note.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"))


MAKERS = {"pdf": pdf_file, "docx": docx_file, "odt": odt_file, "xlsx": xlsx_file}
