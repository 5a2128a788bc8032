/// A phone number normalised to E.164: a country calling code plus a national significant number.
///
/// Parsing follows Google libphonenumber (`parse` followed by an `is_possible_number` length check), using
/// metadata generated from it, so ``e164`` agrees with libphonenumber's E.164 formatting for every number this type
/// accepts. It accepts international input (`+44 20 7946 0958`, or with the default region's international prefix
/// such as `0044 …`, `011 44 …` from the US, `8 10 44 …` from Russia) and national input with a default region
/// (`(020) 7946 0958` in `GB`), ignoring spaces, dashes, dots, slashes and brackets and stripping trunk prefixes
/// the way the region dials them. Italian-style leading zeros that belong to the number are kept.
///
/// ```swift
/// let number = try PhoneNumber("(020) 7946 0958", defaultRegion: "GB")
/// number.e164        // "+442079460958"
/// number.jid         // 442079460958@c.us
/// ```
///
/// Validation is by possible length only, like libphonenumber's `is_possible_number`, except that numbers only
/// dialable locally (without their area code) are rejected. Letters (vanity numbers, `ext.` suffixes) are
/// rejected. Errors are ``WAError``s with code ``WAError/Code-swift.enum/invalidPhoneNumber`` and field `"phone"`
/// (or `"defaultRegion"` for an unknown region).
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
    ///   - text: The number as typed: `+` and the calling code, the default region's international prefix and the
    ///     calling code, or a national number. Spaces, `-`, `.`, `/`, brackets and Unicode decimal digits are fine.
    ///   - defaultRegion: ISO 3166-1 alpha-2 region (`"GB"`, case-insensitive) used for national input and for
    ///     its international prefix. Not needed when `text` starts with `+`.
    /// - Throws: ``WAError`` with code `invalid_phone_number`.
    public init(_ text: String, defaultRegion: String? = nil) throws(WAError) {
        let parsed = try PhoneNumberParser.parse(text, defaultRegion: defaultRegion)
        self.init(validatedCountryCode: parsed.countryCode, nationalNumber: parsed.nationalNumber)
    }

    /// Creates a phone number from a calling code and a national significant number.
    ///
    /// - Throws: ``WAError`` with code `invalid_phone_number` if the calling code is unknown, the national number
    ///   is not all ASCII digits, or its length is not possible for the calling code.
    public init(countryCode: Int, nationalNumber: String) throws(WAError) {
        guard let metadata = PhoneNumberMetadata.main(forCountryCode: countryCode) else {
            throw PhoneNumberParser.error("unknown country calling code")
        }
        guard !nationalNumber.isEmpty,
            nationalNumber.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else {
            throw PhoneNumberParser.error("the national number must be ASCII digits only")
        }
        try PhoneNumberParser.checkPossible(nationalNumber, metadata: metadata)
        self.init(validatedCountryCode: countryCode, nationalNumber: nationalNumber)
    }

    /// Creates a phone number from parts that are already validated.
    private init(validatedCountryCode: Int, nationalNumber: String) {
        self.countryCode = validatedCountryCode
        self.nationalNumber = nationalNumber
    }

    /// The E.164 form: `+`, the calling code and the national number, such as `+442079460958`.
    public var e164: String { "+" + digits }

    /// The E.164 digits without the `+`, such as `442079460958` (the user part of a WhatsApp JID).
    public var digits: String { String(countryCode) + nationalNumber }

    /// The `c.us` user JID for this number, such as `442079460958@c.us`.
    public var jid: JID { JID.user(self) }

    /// The region this number most likely belongs to (ISO 3166-1 alpha-2), or `nil` for non-geographic numbers.
    ///
    /// A best guess: for a calling code shared by several regions it uses the leading digits libphonenumber records
    /// (area codes for NANPA countries such as `CA`, `JM`; `7` for `KZ`), falling back to the code's main region
    /// (`US` for `+1`, `GB` for `+44`, `RU` for `+7`). It does not validate the number against each region's plan.
    public var region: String? {
        guard let entries = PhoneNumberMetadata.byCountryCode[countryCode], let main = entries.first else {
            return nil
        }
        for entry in entries.dropFirst() where !entry.regionPrefixes.isEmpty {
            if PhoneNumberParser.prefixMatchEnd(nationalNumber, pattern: entry.regionPrefixes) != nil {
                return entry.region
            }
        }
        return main.region == "001" ? nil : main.region
    }
}

extension PhoneNumber: CustomStringConvertible {
    /// The ``e164`` form.
    public var description: String { e164 }
}

extension PhoneNumber: Codable {
    /// Decodes a phone number from its E.164 string (any international form `+…` is accepted and normalised).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try PhoneNumber(text)
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
