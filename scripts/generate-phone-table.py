#!/usr/bin/env python3
"""Compute the expected E.164 results of Tests/WACoreTests/Identity/PhoneNumberTests.swift with libphonenumber.

Usage (from the repository root):

    pip install phonenumbers
    python3 scripts/generate-phone-table.py            # print the Swift table
    python3 scripts/generate-phone-table.py --write    # rewrite the table inside PhoneNumberTests.swift
    python3 scripts/generate-phone-table.py --check    # exit 1 if PhoneNumberTests.swift is out of date

A row holds `format_number(parse(input, region), E164)` when libphonenumber parses the input and
`is_possible_number_with_reason` says IS_POSSIBLE, with `number_type` and, when `is_valid_number` says no,
`valid: false` (PhoneNumber then accepts it only with `validation: .possible`); otherwise `nil`, meaning
PhoneNumber must reject the input in both modes with a typed `invalid_phone_number` error. (libphonenumber also
calls local-only numbers "possible"; PhoneNumber rejects them, and the table marks those rows with a comment.)
"""
import sys

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType, ValidationResult

TEST_FILE = "Tests/WACoreTests/Identity/PhoneNumberTests.swift"
BEGIN = "    // BEGIN GENERATED TABLE (scripts/generate-phone-table.py)\n"
END = "    // END GENERATED TABLE\n"

# (input, default region or None)
CASES = [
    # United States / Canada (NANPA): trunk prefix 1, IDD 011
    ("(650) 253-0000", "US"),
    ("650.253.0000", "US"),
    ("1-650-253-0000", "US"),
    ("1 (650) 253-0000", "US"),
    ("+1 650 253 0000", None),
    ("011 44 20 7946 0958", "US"),
    ("(416) 555-0123", "CA"),
    ("1 613 555 0199", "CA"),
    ("+1 (604) 555-0142", "GB"),
    # United Kingdom: trunk 0, IDD 00
    ("(020) 7946 0958", "GB"),
    ("020-7946-0958", "GB"),
    ("+44 (0)20 7946 0958", None),
    ("07700 900123", "GB"),
    ("+44 7700 900123", None),
    ("00 44 161 496 0000", "FR"),
    ("44 20 7946 0958", "GB"),
    # Germany
    ("030 123456", "DE"),
    ("030/123456", "DE"),
    ("+49 30 123456", None),
    ("0049 (0)30 123456", "DE"),
    ("0151 23456789", "DE"),
    ("+49 1512 3456789", "US"),
    ("0044 20 7946 0958", "DE"),
    # France
    ("01 23 45 67 89", "FR"),
    ("06.12.34.56.78", "FR"),
    ("+33 1 23 45 67 89", None),
    ("0033 6 12 34 56 78", "GB"),
    # Italy: the leading 0 belongs to the number
    ("06 1234 5678", "IT"),
    ("+39 06 1234 5678", None),
    ("333 123 4567", "IT"),
    ("0039 02 1234 5678", "DE"),
    # Spain
    ("912 34 56 78", "ES"),
    ("+34 612 34 56 78", None),
    ("0034 91 234 56 78", "IT"),
    # Netherlands
    ("020 123 4567", "NL"),
    ("06-12345678", "NL"),
    ("+31 (0)6 12345678", None),
    # India
    ("098765 43210", "IN"),
    ("98765-43210", "IN"),
    ("+91 98765 43210", None),
    # Brazil: trunk 0, optional carrier code
    ("(11) 91234-5678", "BR"),
    ("011 91234-5678", "BR"),
    ("0 15 11 91234-5678", "BR"),
    ("+55 21 2345-6789", None),
    # Indonesia
    ("0812-3456-7890", "ID"),
    ("(021) 1234567", "ID"),
    ("+62 21 1234567", None),
    # Nigeria
    ("0803 123 4567", "NG"),
    ("+234 803 123 4567", None),
    # South Africa
    ("082 123 4567", "ZA"),
    ("+27 (0)21 123 4567", None),
    # Russia: trunk 8, IDD 810
    ("8 (912) 345-67-89", "RU"),
    ("8 495 123-45-67", "RU"),
    ("+7 912 345 67 89", None),
    ("8 10 44 20 7946 0958", "RU"),
    # Kazakhstan shares +7
    ("8 (701) 123-45-67", "KZ"),
    # Australia: IDD 0011
    ("(02) 9876 5432", "AU"),
    ("0412 345 678", "AU"),
    ("+61 4 1234 5678", None),
    ("0011 44 20 7946 0958", "AU"),
    # Japan: IDD 010
    ("03-1234-5678", "JP"),
    ("090-1234-5678", "JP"),
    ("010 1 650 253 0000", "JP"),
    # Turkey
    ("0212 345 67 89", "TR"),
    ("0532 123 45 67", "TR"),
    ("+90 532 123 4567", None),
    # Argentina: mobile "15" rewritten to "9"
    ("011 15 2345-6789", "AR"),
    ("+54 9 11 2345-6789", None),
    # Mexico
    ("55 1234 5678", "MX"),
    ("+52 55 1234 5678", None),
    # Switzerland, Sweden, Poland, China, South Korea, Singapore
    ("044 668 18 00", "CH"),
    ("08-123 456 78", "SE"),
    ("+48 12 345 67 89", None),
    ("010 1234 5678", "CN"),
    ("02-312-3456", "KR"),
    ("6123 4567", "SG"),
    # Non-geographic and other scripts
    ("+800 1234 5678", None),
    ("+882 1234 5678", None),
    ("\uff0b\uff14\uff14 \uff12\uff10 \uff17\uff19\uff14\uff16 \uff10\uff19\uff15\uff18", None),
    ("+\u0669\u0667\u0661 50 123 4567", None),
    # Text around the number, as libphonenumber reads it: labels, vanity letters, extensions, tel: URIs, pluses
    ("+44 20 7946 0958 ext. 12", None),
    ("1-800-FLOWERS", "US"),
    ("0800 FLOWERS", "GB"),
    ("Tel: +44 20 7946 0958", None),
    ("++44 20 7946 0958", None),
    ("44+20 7946 0958", "GB"),
    ("+44 20 7946 0958#", None),
    ("*123#", "DE"),
    ("+44 20\n7946 0958", None),
    ("12ab", "DE"),
    ("tel:+44-20-7946-0958;ext=12", None),
    ("tel:020-7946-0958;phone-context=+44", None),
    ("tel:7946-0958;phone-context=example.com", "GB"),
    ("tel:7946-0958;phone-context=", "GB"),
    ("(650) 253-0000 x123", "US"),
    ("+1 650 253 0000 / x 2303", None),
    ("☎ +49 30 123456!", None),
    ("+４９ ３０ １２３４５６", None),
    ("0044 20 7946 0958", None),
    ("030 123456", "ZZ"),
    ("+49 30 123456", "ZZ"),
    # Rejected by libphonenumber as well
    ("", "DE"),
    ("1", "DE"),
    ("+44 12", None),
    ("123", "US"),
    ("+999 1234567", None),
    ("+0 1234567", None),
    ("+1 650 253 00000", None),
    ("12345678901234567890", "DE"),
    ("0044", "GB"),
    ("650 253 0000", None),
    ("06 1234 5678", None),
    ("020", "GB"),
    ("+44 20 7946 0958 123", None),
    ("+7 912 345 67 8", None),
    ("+49 3", None),
    ("00", "DE"),
    ("(   )", "US"),
    ("---", "GB"),
    ("253-0000", "US"),
]


def type_name(numtype):
    """libphonenumber's type as the Swift case name: FIXED_LINE_OR_MOBILE -> fixedLineOrMobile."""
    first, *rest = PhoneNumberType.to_string(numtype).lower().split("_")
    return first + "".join(word.capitalize() for word in rest)


def expected(text, region):
    """(E.164 when possible, whether valid, type name, note) — E.164 None when rejected in both modes."""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None, False, None, None
    reason = phonenumbers.is_possible_number_with_reason(number)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if reason == ValidationResult.IS_POSSIBLE:
        valid = phonenumbers.is_valid_number(number)
        note = None if valid else "libphonenumber: possible, not valid"
        return e164, valid, type_name(phonenumbers.number_type(number)), note
    if reason == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return None, False, None, f"libphonenumber: possible local-only {e164}; PhoneNumber requires the area code"
    return None, False, None, None


def swift_string(text):
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) > 0x7E:
            out.append("\\u{%04X}" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def table():
    lines = [BEGIN, f"    // libphonenumber (Python phonenumbers) {phonenumbers.__version__}\n"]
    lines.append("    static let rows: [Row] = [\n")
    for text, region in CASES:
        e164, valid, type_name, note = expected(text, region)
        region_literal = swift_string(region) if region else "nil"
        comment = f"  // {note}" if note else ""
        if e164 is None:
            lines.append(f"        Row({swift_string(text)}, {region_literal}, nil),{comment}\n")
        else:
            validity = "" if valid else ", valid: false"
            lines.append(
                f"        Row({swift_string(text)}, {region_literal}, {swift_string(e164)}, .{type_name}{validity}),{comment}\n")
    lines.append("    ]\n")
    lines.append(END)
    return "".join(lines)


def replaced(source, generated):
    start = source.index(BEGIN)
    end = source.index(END) + len(END)
    return source[:start] + generated + source[end:]


def main():
    generated = table()
    if len(sys.argv) == 1:
        sys.stdout.write(generated)
        return 0
    with open(TEST_FILE, encoding="utf-8") as handle:
        source = handle.read()
    updated = replaced(source, generated)
    if sys.argv[1] == "--check":
        if updated != source:
            print(f"{TEST_FILE} is out of date; run scripts/generate-phone-table.py --write", file=sys.stderr)
            return 1
        return 0
    if sys.argv[1] == "--write":
        with open(TEST_FILE, "w", encoding="utf-8") as handle:
            handle.write(updated)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
