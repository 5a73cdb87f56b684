"""Arabic formats: Django's (``django/conf/locale/ar/formats.py``) completed after CLDR's ``ar``.

Digits stay Latin (0-9). CLDR's default numbering system for ``ar`` (and for Iraq, ``ar-IQ``) is
Arabic-Indic (``arab``), with ``latn`` as the listed alternative and the default for ar-DZ,
ar-MA and ar-TN. We choose ``latn``: Django formats no digits other than Latin, the pages mix
Arabic text with symbols (BP/SOM/2026/3), room numbers, passport numbers and times that a
delegation compares with the English and Russian versions, and a meeting's numbers must read
the same in all three. With Latin digits CLDR separates decimals with "." and thousands with
"," (Django's ar file has the Arabic-Indic pair "," and "." swapped in, which misreads 1.500).
Dates and times follow CLDR ``ar``: "7 ديسمبر، 2026", 12-hour times with ص/م, and weeks
starting on Saturday (CLDR's first day for Iraq and the Gulf).
"""

DATE_FORMAT = "j F، Y"
TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "j F، Y، g:i A"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d\u200f/m\u200f/Y"
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y g:i A"
FIRST_DAY_OF_WEEK = 6
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"]
