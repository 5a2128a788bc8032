import Foundation
import Testing

@testable import WACore

/// `PhoneNumber` against Google libphonenumber, plus its own API and stricter rejections.
@Suite("PhoneNumber")
struct PhoneNumberTests {
    /// One input, its default region and libphonenumber's E.164 result (`nil`: must be rejected), with the
    /// number's type and whether it is valid (an invalid one is accepted only with `validation: .possible`).
    struct Row: Sendable, CustomTestStringConvertible {
        let input: String
        let region: String?
        let expected: String?
        let type: PhoneNumberType
        let valid: Bool

        init(_ input: String, _ region: String?, _ expected: String?, _ type: PhoneNumberType = .unknown,
             valid: Bool = true) {
            self.input = input
            self.region = region
            self.expected = expected
            self.type = type
            self.valid = valid && expected != nil
        }

        var testDescription: String {
            "\"\(input)\" in \(region ?? "-") → \(expected.map { "\($0) \(type.rawValue)" } ?? "rejected")"
        }
    }

    // The rows are computed by libphonenumber: edit CASES in scripts/generate-phone-table.py and re-run it with
    // --write; --check verifies this table is current.
    // BEGIN GENERATED TABLE (scripts/generate-phone-table.py)
    // libphonenumber (Python phonenumbers) 9.0.43
    static let rows: [Row] = [
        Row("(650) 253-0000", "US", "+16502530000", .fixedLineOrMobile),
        Row("650.253.0000", "US", "+16502530000", .fixedLineOrMobile),
        Row("1-650-253-0000", "US", "+16502530000", .fixedLineOrMobile),
        Row("1 (650) 253-0000", "US", "+16502530000", .fixedLineOrMobile),
        Row("+1 650 253 0000", nil, "+16502530000", .fixedLineOrMobile),
        Row("011 44 20 7946 0958", "US", "+442079460958", .fixedLine),
        Row("(416) 555-0123", "CA", "+14165550123", .fixedLineOrMobile),
        Row("1 613 555 0199", "CA", "+16135550199", .fixedLineOrMobile),
        Row("+1 (604) 555-0142", "GB", "+16045550142", .fixedLineOrMobile),
        Row("(020) 7946 0958", "GB", "+442079460958", .fixedLine),
        Row("020-7946-0958", "GB", "+442079460958", .fixedLine),
        Row("+44 (0)20 7946 0958", nil, "+442079460958", .fixedLine),
        Row("07700 900123", "GB", "+447700900123", .unknown, valid: false),  // libphonenumber: possible, not valid
        Row("+44 7700 900123", nil, "+447700900123", .unknown, valid: false),  // libphonenumber: possible, not valid
        Row("00 44 161 496 0000", "FR", "+441614960000", .fixedLine),
        Row("44 20 7946 0958", "GB", "+442079460958", .fixedLine),
        Row("030 123456", "DE", "+4930123456", .fixedLine),
        Row("030/123456", "DE", "+4930123456", .fixedLine),
        Row("+49 30 123456", nil, "+4930123456", .fixedLine),
        Row("0049 (0)30 123456", "DE", "+4930123456", .fixedLine),
        Row("0151 23456789", "DE", "+4915123456789", .mobile),
        Row("+49 1512 3456789", "US", "+4915123456789", .mobile),
        Row("0044 20 7946 0958", "DE", "+442079460958", .fixedLine),
        Row("01 23 45 67 89", "FR", "+33123456789", .fixedLine),
        Row("06.12.34.56.78", "FR", "+33612345678", .mobile),
        Row("+33 1 23 45 67 89", nil, "+33123456789", .fixedLine),
        Row("0033 6 12 34 56 78", "GB", "+33612345678", .mobile),
        Row("06 1234 5678", "IT", "+390612345678", .fixedLine),
        Row("+39 06 1234 5678", nil, "+390612345678", .fixedLine),
        Row("333 123 4567", "IT", "+393331234567", .mobile),
        Row("0039 02 1234 5678", "DE", "+390212345678", .fixedLine),
        Row("912 34 56 78", "ES", "+34912345678", .fixedLine),
        Row("+34 612 34 56 78", nil, "+34612345678", .mobile),
        Row("0034 91 234 56 78", "IT", "+34912345678", .fixedLine),
        Row("020 123 4567", "NL", "+31201234567", .fixedLine),
        Row("06-12345678", "NL", "+31612345678", .mobile),
        Row("+31 (0)6 12345678", nil, "+31612345678", .mobile),
        Row("098765 43210", "IN", "+919876543210", .mobile),
        Row("98765-43210", "IN", "+919876543210", .mobile),
        Row("+91 98765 43210", nil, "+919876543210", .mobile),
        Row("(11) 91234-5678", "BR", "+5511912345678", .mobile),
        Row("011 91234-5678", "BR", "+5511912345678", .mobile),
        Row("0 15 11 91234-5678", "BR", "+5511912345678", .mobile),
        Row("+55 21 2345-6789", nil, "+552123456789", .fixedLine),
        Row("0812-3456-7890", "ID", "+6281234567890", .mobile),
        Row("(021) 1234567", "ID", "+62211234567", .fixedLine),
        Row("+62 21 1234567", nil, "+62211234567", .fixedLine),
        Row("0803 123 4567", "NG", "+2348031234567", .mobile),
        Row("+234 803 123 4567", nil, "+2348031234567", .mobile),
        Row("082 123 4567", "ZA", "+27821234567", .mobile),
        Row("+27 (0)21 123 4567", nil, "+27211234567", .fixedLine),
        Row("8 (912) 345-67-89", "RU", "+79123456789", .mobile),
        Row("8 495 123-45-67", "RU", "+74951234567", .fixedLine),
        Row("+7 912 345 67 89", nil, "+79123456789", .mobile),
        Row("8 10 44 20 7946 0958", "RU", "+442079460958", .fixedLine),
        Row("8 (701) 123-45-67", "KZ", "+77011234567", .mobile),
        Row("(02) 9876 5432", "AU", "+61298765432", .fixedLine),
        Row("0412 345 678", "AU", "+61412345678", .mobile),
        Row("+61 4 1234 5678", nil, "+61412345678", .mobile),
        Row("0011 44 20 7946 0958", "AU", "+442079460958", .fixedLine),
        Row("03-1234-5678", "JP", "+81312345678", .fixedLine),
        Row("090-1234-5678", "JP", "+819012345678", .mobile),
        Row("010 1 650 253 0000", "JP", "+16502530000", .fixedLineOrMobile),
        Row("0212 345 67 89", "TR", "+902123456789", .fixedLine),
        Row("0532 123 45 67", "TR", "+905321234567", .mobile),
        Row("+90 532 123 4567", nil, "+905321234567", .mobile),
        Row("011 15 2345-6789", "AR", "+5491123456789", .mobile),
        Row("+54 9 11 2345-6789", nil, "+5491123456789", .mobile),
        Row("55 1234 5678", "MX", "+525512345678", .fixedLineOrMobile),
        Row("+52 55 1234 5678", nil, "+525512345678", .fixedLineOrMobile),
        Row("044 668 18 00", "CH", "+41446681800", .fixedLine),
        Row("08-123 456 78", "SE", "+46812345678", .fixedLine),
        Row("+48 12 345 67 89", nil, "+48123456789", .fixedLine),
        Row("010 1234 5678", "CN", "+861012345678", .fixedLine),
        Row("02-312-3456", "KR", "+8223123456", .fixedLine),
        Row("6123 4567", "SG", "+6561234567", .fixedLine),
        Row("+800 1234 5678", nil, "+80012345678", .tollFree),
        Row("+882 1234 5678", nil, "+88212345678", .unknown, valid: false),  // libphonenumber: possible, not valid
        Row("\u{FF0B}\u{FF14}\u{FF14} \u{FF12}\u{FF10} \u{FF17}\u{FF19}\u{FF14}\u{FF16} \u{FF10}\u{FF19}\u{FF15}\u{FF18}", nil, "+442079460958", .fixedLine),
        Row("+\u{0669}\u{0667}\u{0661} 50 123 4567", nil, "+971501234567", .mobile),
        Row("+44 20 7946 0958 ext. 12", nil, "+442079460958", .fixedLine),
        Row("1-800-FLOWERS", "US", "+18003569377", .tollFree),
        Row("0800 FLOWERS", "GB", "+448003569377", .tollFree),
        Row("Tel: +44 20 7946 0958", nil, "+442079460958", .fixedLine),
        Row("++44 20 7946 0958", nil, "+442079460958", .fixedLine),
        Row("44+20 7946 0958", "GB", nil),
        Row("+44 20 7946 0958#", nil, nil),  // libphonenumber: possible local-only +44207946; PhoneNumber requires the area code
        Row("*123#", "DE", nil),
        Row("+44 20\u{000A}7946 0958", nil, nil),
        Row("12ab", "DE", nil),
        Row("tel:+44-20-7946-0958;ext=12", nil, "+442079460958", .fixedLine),
        Row("tel:020-7946-0958;phone-context=+44", nil, "+442079460958", .fixedLine),
        Row("tel:7946-0958;phone-context=example.com", "GB", nil),  // libphonenumber: possible local-only +4479460958; PhoneNumber requires the area code
        Row("tel:7946-0958;phone-context=", "GB", nil),
        Row("(650) 253-0000 x123", "US", "+16502530000", .fixedLineOrMobile),
        Row("+1 650 253 0000 / x 2303", nil, "+16502530000", .fixedLineOrMobile),
        Row("\u{260E} +49 30 123456!", nil, "+4930123456", .fixedLine),
        Row("+\u{FF14}\u{FF19} \u{FF13}\u{FF10} \u{FF11}\u{FF12}\u{FF13}\u{FF14}\u{FF15}\u{FF16}", nil, "+4930123456", .fixedLine),
        Row("0044 20 7946 0958", nil, nil),
        Row("030 123456", "ZZ", nil),
        Row("+49 30 123456", "ZZ", "+4930123456", .fixedLine),
        Row("", "DE", nil),
        Row("1", "DE", nil),
        Row("+44 12", nil, nil),
        Row("123", "US", nil),
        Row("+999 1234567", nil, nil),
        Row("+0 1234567", nil, nil),
        Row("+1 650 253 00000", nil, nil),
        Row("12345678901234567890", "DE", nil),
        Row("0044", "GB", nil),
        Row("650 253 0000", nil, nil),
        Row("06 1234 5678", nil, nil),
        Row("020", "GB", nil),
        Row("+44 20 7946 0958 123", nil, nil),
        Row("+7 912 345 67 8", nil, nil),
        Row("+49 3", nil, nil),
        Row("00", "DE", nil),
        Row("(   )", "US", nil),
        Row("---", "GB", nil),
        Row("253-0000", "US", nil),  // libphonenumber: possible local-only +12530000; PhoneNumber requires the area code
    ]
    // END GENERATED TABLE

    @Test("E.164, validity and type agree with libphonenumber", arguments: rows)
    func agreesWithLibphonenumber(_ row: Row) throws {
        if let expected = row.expected {
            let number = try PhoneNumber(row.input, defaultRegion: row.region, validation: .possible)
            #expect(number.e164 == expected)
            #expect(number.description == expected)
            #expect("+" + number.digits == expected)
            #expect(number.type == row.type)
            #expect(number.isValid == row.valid)
            if row.valid {
                #expect(try PhoneNumber(row.input, defaultRegion: row.region) == number)
            } else {
                let error = expectWAError(.invalidPhoneNumber) { try PhoneNumber(row.input, defaultRegion: row.region) }
                #expect(error?.field == "phone")
            }
        } else {
            for validation in [PhoneNumberValidation.valid, .possible] {
                let error = expectWAError(.invalidPhoneNumber) {
                    try PhoneNumber(row.input, defaultRegion: row.region, validation: validation)
                }
                #expect(error?.field == "phone")
            }
        }
    }

    @Test func tableCoversEnoughCountriesAndFormats() throws {
        let accepted = Self.rows.filter(\.valid)
        #expect(accepted.count >= 45)
        #expect(Set(accepted.map(\.type)).count >= 4, "several types: \(Set(accepted.map(\.type)))")
        #expect(Self.rows.contains { $0.expected != nil && !$0.valid }, "possible but invalid numbers")
        #expect(Self.rows.count - accepted.count >= 10)
        let countryCodes = Set(try accepted.map { try PhoneNumber($0.input, defaultRegion: $0.region).countryCode })
        #expect(countryCodes.count >= 12)
        #expect(accepted.contains { $0.input.hasPrefix("+") })
        #expect(accepted.contains { $0.input.hasPrefix("00") })
        #expect(accepted.contains { $0.input.hasPrefix("(") })
    }

    @Test func parts() throws {
        let london = try PhoneNumber("(020) 7946 0958", defaultRegion: "GB")
        #expect(london.countryCode == 44)
        #expect(london.nationalNumber == "2079460958")
        #expect(london.e164 == "+442079460958")
        #expect(london.digits == "442079460958")
        #expect(london.region == "GB")
        #expect(london.jid.description == "442079460958@c.us")

        let rome = try PhoneNumber("06 1234 5678", defaultRegion: "it")
        #expect(rome.countryCode == 39)
        #expect(rome.nationalNumber == "0612345678")
        #expect(rome.e164 == "+390612345678")
    }

    @Test(arguments: [
        ("+1 650 253 0000", "US"), ("+1 416 555 0123", "CA"), ("+1 876 555 0123", "JM"), ("+7 912 345 67 89", "RU"),
        ("+7 701 123 45 67", "KZ"), ("+44 20 7946 0958", "GB"), ("+39 06 698 12345", "VA"), ("+49 30 123456", "DE"),
        ("+358 18 12345", "AX"), ("+55 11 91234 5678", "BR"),
    ])
    func region(_ input: String, _ region: String) throws {
        #expect(try PhoneNumber(input).region == region)
    }

    @Test func nonGeographicNumberIsOfRegion001() throws {
        let number = try PhoneNumber("+800 1234 5678")
        #expect(number.countryCode == 800)
        #expect(number.region == "001" && number.type == .tollFree)
        // A number of a shared calling code that is valid in none of its regions belongs to none.
        let nowhere = try PhoneNumber("+1 555 000 1111", validation: .possible)
        #expect(nowhere.region == nil && nowhere.type == .unknown && !nowhere.isValid)
    }

    @Test func sameNumberFromDifferentInputsIsEqual() throws {
        let forms = [
            try PhoneNumber("+44 20 7946 0958"),
            try PhoneNumber("(020) 7946 0958", defaultRegion: "GB"),
            try PhoneNumber("0044 20 7946 0958", defaultRegion: "DE"),
            try PhoneNumber("011 44 20 7946 0958", defaultRegion: "US"),
            try PhoneNumber(countryCode: 44, nationalNumber: "2079460958"),
        ]
        #expect(Set(forms).count == 1)
    }

    @Test func codableUsesE164() throws {
        let number = try PhoneNumber("030 123456", defaultRegion: "DE")
        let data = try JSONEncoder().encode([number])
        #expect(String(decoding: data, as: UTF8.self) == #"["+4930123456"]"#)
        #expect(try JSONDecoder().decode([PhoneNumber].self, from: data) == [number])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([PhoneNumber].self, from: Data(#"["030 123456"]"#.utf8))
        }
    }

    @Test func initFromParts() throws {
        let number = try PhoneNumber(countryCode: 39, nationalNumber: "0612345678")
        #expect(number.e164 == "+390612345678")
        for (code, national) in [(999, "1234567"), (44, "12"), (44, "20794609581234"), (44, "20 7946 0958"), (49, "")] {
            expectWAError(.invalidPhoneNumber) { try PhoneNumber(countryCode: code, nationalNumber: national) }
        }
    }

    /// `ZZ` is libphonenumber's "no region"; any other unknown code is a typo worth reporting.
    @Test func zzIsNoRegion() throws {
        #expect(try PhoneNumber("+49 30 123456", defaultRegion: "ZZ").e164 == "+4930123456")
        let error = expectWAError(.invalidPhoneNumber) { try PhoneNumber("030 123456", defaultRegion: "zz") }
        #expect(error?.field == "phone", "a national number with no region")
    }

    @Test func unknownRegionIsATypedError() {
        let error = expectWAError(.invalidPhoneNumber) { try PhoneNumber("030 123456", defaultRegion: "XX") }
        #expect(error?.field == "defaultRegion")
    }

    @Test func overlongInputIsRejectedWithoutScanning() {
        expectWAError(.invalidPhoneNumber) {
            try PhoneNumber("+44 " + String(repeating: "0", count: 300))
        }
    }

    @Test func metadataIsCompleteAndEveryPatternCompiles() throws {
        #expect(PhoneNumberMetadata.all.count >= 245)
        let regions = PhoneNumberMetadata.all.filter { $0.region != "001" }
        #expect(regions.count >= 240)
        #expect(regions.allSatisfy { PhoneNumberMetadata.region(named: $0.region) === $0 }, "every region is found by its code")
        for code in Set(PhoneNumberMetadata.all.map(\.countryCode)) {
            let entries = try #require(PhoneNumberMetadata.entries(forCountryCode: code))
            #expect(entries.first?.isMainRegion == true, "calling code \(code)")
            #expect(entries.filter(\.isMainRegion).count == 1, "calling code \(code)")
        }
        for entry in PhoneNumberMetadata.all {
            #expect(!entry.general.possibleLengths.isEmpty, "\(entry.region)")
            for pattern in entry.patterns where !pattern.isEmpty {
                #expect(pattern.pattern != nil, "\(entry.region): \(pattern.source) compiles")
            }
        }
    }
}
