/// A phone number normalised to E.164: a country calling code plus a national significant number.
///
/// Parsing and judging follow Google libphonenumber (`parse`, `is_possible_number`, `is_valid_number`,
/// `get_number_type`), driven by metadata generated from the pinned version, so ``e164``, ``isValid`` and ``type``
/// agree with libphonenumber for every input (`PhoneNumberCrossCheckTests` holds them to it over 30,000 inputs).
/// Text is read as libphonenumber reads it: international input (`+44 20 7946 0958`, or after the default region's
/// international prefix such as `0044 …`, `011 44 …` from the US, `8 10 44 …` from Russia), national input with a
/// default region (`(020) 7946 0958` in `GB`, trunk prefixes stripped the way the region dials them), labels and
/// text around the number (`Tel: …`), `tel:` URIs, extensions (recognised and dropped), vanity letters
/// (`1-800-FLOWERS`) and any Unicode digits. Italian-style leading zeros that belong to the number are kept.
///
/// ```swift
/// let number = try PhoneNumber("(020) 7946 0958", defaultRegion: "GB")
/// number.e164        // "+442079460958"
/// number.type        // .fixedLine
/// number.jid         // 442079460958@c.us
/// ```
///
/// **Validity** is libphonenumber's: by default a number must be *valid* (`is_valid_number`: a possible length
/// and a number range of its region, such as a mobile or a fixed-line range), so a number that could not ring
/// anywhere is refused before it becomes a send to nobody. ``PhoneNumberValidation/possible`` asks only for a
/// possible length (`is_possible_number`), for numbers already accepted elsewhere (stored numbers decode that way,
/// and numbers WhatsApp reports). Numbers only dialable locally (without their area code) are refused in both
/// modes. ``type`` says what kind of line a number is and ``region`` where it belongs. Errors are ``WAError``s with
/// code ``WAError/Code-swift.enum/invalidPhoneNumber`` and field `"phone"` (or `"defaultRegion"` for an unknown
/// region). See Docs/PhoneNumbers.md.
///
/// Equality and hashing compare the calling code and national number; ``Codable`` uses the ``e164`` string.
public struct PhoneNumber: Hashable, Sendable {
    /// The ITU-T E.164 country calling code, such as `44` (also `800`, `882`… for non-geographic numbers).
    public let countryCode: Int
    /// The national significant number: digits only, without the calling code or a trunk prefix, but keeping
    /// leading zeros that belong to the number (Italy's `06…`).
    public let nationalNumber: String

    /// Parses and normalises a phone number.
    ///
    /// - Parameters:
    ///   - text: The number as written: `+` and the calling code, the default region's international prefix and
    ///     the calling code, or a national number, with whatever libphonenumber accepts around it.
    ///   - defaultRegion: ISO 3166-1 alpha-2 region (`"GB"`, case-insensitive; `"ZZ"` for none) used for national
    ///     input and for its international prefix. Not needed when the number starts with `+`.
    ///   - validation: ``PhoneNumberValidation/valid`` (the default) or ``PhoneNumberValidation/possible``.
    /// - Throws: ``WAError`` with code `invalid_phone_number`.
    public init(_ text: String, defaultRegion: String? = nil, validation: PhoneNumberValidation = .valid)
        throws(WAError)
    {
        let parsed = try PhoneNumberParser.parse(text, defaultRegion: defaultRegion)
        try self.init(checking: parsed.countryCode, parsed.nationalNumber, validation)
    }

    /// Creates a phone number from a calling code and a national significant number.
    ///
    /// - Throws: ``WAError`` with code `invalid_phone_number` if the calling code is unknown, the national number
    ///   is not all ASCII digits, or the number fails `validation`.
    public init(countryCode: Int, nationalNumber: String, validation: PhoneNumberValidation = .valid) throws(WAError) {
        let digits = Array(nationalNumber.utf8)
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw PhoneNumberParser.error("the national number must be ASCII digits only")
        }
        try self.init(checking: countryCode, digits, validation)
    }

    /// Checks a parsed number as `validation` asks.
    private init(checking countryCode: Int, _ national: [UInt8], _ validation: PhoneNumberValidation) throws(WAError) {
        guard let metadata = PhoneNumberMetadata.main(forCountryCode: countryCode) else {
            throw PhoneNumberParser.error("unknown country calling code")
        }
        try PhoneNumberParser.checkPossible(national, metadata: metadata)
        if validation == .valid, Self.type(countryCode, national) == .unknown {
            throw PhoneNumberParser.error("the number is in no number range of its country (not a valid number)")
        }
        self.countryCode = countryCode
        self.nationalNumber = String(decoding: national, as: UTF8.self)
    }

    /// libphonenumber's `getNumberType`.
    private static func type(_ countryCode: Int, _ national: [UInt8]) -> PhoneNumberType {
        PhoneNumberMetadata.region(countryCode: countryCode, national: national)?.numberType(national) ?? .unknown
    }

    /// The E.164 form: `+`, the calling code and the national number, such as `+442079460958`.
    public var e164: String { "+" + digits }

    /// The E.164 digits without the `+`, such as `442079460958` (the user part of a WhatsApp JID).
    public var digits: String { String(countryCode) + nationalNumber }

    /// The `c.us` user JID for this number, such as `442079460958@c.us`.
    public var jid: JID { JID.user(self) }

    /// What kind of line this is (libphonenumber's `get_number_type`); ``PhoneNumberType/unknown`` for a number
    /// that is possible but not valid (one parsed with ``PhoneNumberValidation/possible``).
    public var type: PhoneNumberType { Self.type(countryCode, Array(nationalNumber.utf8)) }

    /// Whether libphonenumber calls the number valid (`is_valid_number`). Always true for a number parsed with the
    /// default ``PhoneNumberValidation/valid``.
    public var isValid: Bool { type != .unknown }

    /// The region the number belongs to, as libphonenumber's `region_code_for_number` says: an ISO 3166-1 alpha-2
    /// code, `"001"` for a non-geographic number (`+800`, `+882` …), `nil` for a number of a shared calling code
    /// that is valid in none of its regions. For a calling code shared by several regions it is the first whose
    /// leading digits start the number (`KZ` for `+7 7…`) or, without leading digits, in which the number is valid
    /// (`CA` for `+1 416 …`).
    public var region: String? {
        PhoneNumberMetadata.region(countryCode: countryCode, national: Array(nationalNumber.utf8))?.region
    }
}

extension PhoneNumber: CustomStringConvertible {
    /// The ``e164`` form.
    public var description: String { e164 }
}

extension PhoneNumber: Codable {
    /// Decodes a phone number from its E.164 string (any international form `+…` is accepted and normalised). A
    /// possible length is enough (``PhoneNumberValidation/possible``): a number stored before the numbering plan
    /// changed still reads back.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try PhoneNumber(text, validation: .possible)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    /// Encodes the phone number as its ``e164`` string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(e164)
    }
}
