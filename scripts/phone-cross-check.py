#!/usr/bin/env python3
"""Phone-number inputs as the world writes them, with libphonenumber's verdict on each, for PhoneNumberCrossCheckTests.

Usage (from the repository root):

    python3 scripts/phone-cross-check.py            # JSON Lines on stdout
    python3 scripts/phone-cross-check.py --summary  # counts by category

The inputs start from every region's example number of every type (and every non-geographic calling code's), written
in E.164, international, national, RFC 3966 and IDD forms, and are then mutated the way real contact lists and
forms mutate them: digits added, removed or changed; other separators; trunk and carrier prefixes where they do not
belong; letters (vanity numbers); `tel:` URIs with parameters; extensions in every style libphonenumber knows;
labels and other text before the number; a doubled `+`; and odd Unicode (full-width and Arabic-Indic digits,
no-break and ideographic spaces, dashes, emoji). The generator is seeded: the same pinned `phonenumbers` gives the
same lines.

Each line is a JSON array: [input, default region or null, category, verdict], where the verdict is null when
libphonenumber's `parse` refuses the input or `is_possible_number_with_reason` is not IS_POSSIBLE (PhoneNumber must
refuse it in every mode), and otherwise [E.164, is_valid_number, number type name].
"""
import json
import random
import sys

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType, ValidationResult
from phonenumbers.phonenumberutil import COUNTRY_CODES_FOR_NON_GEO_REGIONS, SUPPORTED_REGIONS

SEED = 20_261_206

TYPES = [
    PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST, PhoneNumberType.VOIP, PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.PAGER,
    PhoneNumberType.UAN, PhoneNumberType.VOICEMAIL,
]

# Regions whose IDD is typed in front of a foreign number, and the prefix they dial.
IDD_FROM = [("DE", "00"), ("US", "011"), ("AU", "0011"), ("JP", "010"), ("RU", "8 10"), ("BR", "00 21"), ("GB", "00")]

LABELS = ["Tel: ", "Phone: ", "Mobile number ", "tel.", "Call me on ", "☎ ", "📞", "→ ", "#", "*", "Номер: ", "電話 "]
EXTENSIONS = [
    " ext. 1234", " ext 12", " extension 7", " extn: 45", " x123", " X 12", " # 99", " #12#", ";ext=321", " - 503#",
    ",, 12", "; 77", ", 5", " int 34", " ｅｘｔ 9", " доб 15", " anexo 3", " extensión 8", " ~ 11",
]
SEPARATORS = [" ", "-", ".", "/", "\u00a0", "\u2011", "\u2013", "\u3000", "\u30fc", "", "  ", " - "]
DIGIT_FORMS = [0x30, 0xFF10, 0x0660, 0x06F0, 0x0966]  # ASCII, full-width, Arabic-Indic, Persian, Devanagari
LETTERS = {"2": "ABC", "3": "DEF", "4": "GHI", "5": "JKL", "6": "MNO", "7": "PQRS", "8": "TUV", "9": "WXYZ"}


def verdict(text, region):
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    if phonenumbers.is_possible_number_with_reason(number) != ValidationResult.IS_POSSIBLE:
        return None
    return [
        phonenumbers.format_number(number, PhoneNumberFormat.E164),
        phonenumbers.is_valid_number(number),
        PhoneNumberType.to_string(phonenumbers.number_type(number)).lower(),
    ]


def examples():
    """(region for national forms, example PhoneNumber) for every region and type, and non-geographic codes."""
    for region in sorted(SUPPORTED_REGIONS):
        for numtype in TYPES:
            number = phonenumbers.example_number_for_type(region, numtype)
            if number is not None:
                yield region, number
    for code in sorted(COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        number = phonenumbers.example_number_for_non_geo_entity(code)
        if number is not None:
            yield None, number


def reseparate(text, rng):
    separator = rng.choice(SEPARATORS)
    return "".join(separator if ch == " " else ch for ch in text)


def digits_in(text, form):
    return "".join(chr(form + ord(ch) - 0x30) if "0" <= ch <= "9" else ch for ch in text)


def mutate_digits(national, rng):
    """A digit added, removed or changed somewhere in the national number."""
    position = rng.randrange(len(national) + 1)
    kind = rng.choice(["add", "remove", "change"])
    if kind == "add" or not national:
        return national[:position] + rng.choice("0123456789") + national[position:]
    position = min(position, len(national) - 1)
    if kind == "remove":
        return national[:position] + national[position + 1:]
    return national[:position] + rng.choice("0123456789") + national[position + 1:]


def vanity(national, rng):
    """Some digits 2–9 written as the letters on their key."""
    out = []
    for ch in national:
        if ch in LETTERS and rng.random() < 0.6:
            out.append(rng.choice(LETTERS[ch]))
        else:
            out.append(ch)
    return "".join(out)


def inputs(rng):
    for region, number in examples():
        code = number.country_code
        national = phonenumbers.national_significant_number(number)
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
        national_form = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
        rfc = phonenumbers.format_number(number, PhoneNumberFormat.RFC3966)
        other = rng.choice(["DE", "US", "GB", "FR", "BR", "IN", "JP", "NG"])

        yield e164, None, "e164"
        yield international, rng.choice([None, other]), "international"
        if region:
            yield national_form, region, "national"
            yield reseparate(national_form, rng), region, "national, other separators"
            yield national_form, other, "national, wrong region"
        yield rfc, None, "rfc3966"
        yield rfc + rng.choice([";isub=1234", ";ext=56", ";phone-context=+" + str(code), ";foo=bar"]), None, "rfc3966, parameters"
        if region:
            yield "tel:" + national + ";phone-context=+" + str(code), region, "rfc3966, phone-context"
        idd_region, idd = rng.choice(IDD_FROM)
        yield idd + " " + str(code) + " " + national, idd_region, "idd"
        yield "00" + str(code) + national, rng.choice([None, "ZZ"]), "idd without region"
        yield reseparate(international, rng), None, "international, other separators"

        mutated = mutate_digits(national, rng)
        yield "+" + str(code) + mutated, None, "digits mutated, e164"
        if region:
            yield mutate_digits(national, rng), region, "digits mutated, national"
        yield "+" + str(code) + " 0" + national, None, "trunk prefix in international form"
        yield "+" + str(code) + " (0)" + national, None, "bracketed trunk prefix"
        if region:
            yield "0" + national, region, "trunk prefix added"
            yield "0 15 " + national, region, "carrier code"
            yield str(code) + national, region, "calling code without plus"
        yield "+" + str(code) + " " + vanity(national, rng), None, "letters"
        yield rng.choice(LABELS) + international, None, "label before"
        yield international + rng.choice(EXTENSIONS), None, "extension"
        if region:
            yield national_form + rng.choice(EXTENSIONS), region, "extension, national"
        yield "++" + e164[1:], None, "doubled plus"
        yield "\uff0b" + str(code) + national, None, "full-width plus"
        yield digits_in(international, rng.choice(DIGIT_FORMS[1:])), None, "other digits"
        yield reseparate(international, rng) + rng.choice(["", " ", ".", "!", " 🙂", ")", " -"]), None, "trailing text"
        yield "+" + str(code) + "0" * len(national), None, "all zeros"
        yield "+" + str(code) + national[:-2], None, "two digits short"
        yield international.replace(" ", " / ", 1) + "/x12", None, "second number"


def main():
    rng = random.Random(SEED)
    lines = []
    seen = set()
    for text, region, category in inputs(rng):
        if (text, region) in seen:
            continue
        seen.add((text, region))
        lines.append([text, region, category, verdict(text, region)])
    if len(sys.argv) > 1 and sys.argv[1] == "--summary":
        by_category = {}
        for _, _, category, result in lines:
            total, accepted, valid = by_category.get(category, (0, 0, 0))
            by_category[category] = (
                total + 1, accepted + (result is not None), valid + (result is not None and result[1]))
        for category, (total, accepted, valid) in sorted(by_category.items()):
            print(f"{total:6} {accepted:6} possible {valid:6} valid  {category}")
        print(f"{len(lines):6} inputs, phonenumbers {phonenumbers.__version__}")
        return 0
    out = sys.stdout
    for line in lines:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
