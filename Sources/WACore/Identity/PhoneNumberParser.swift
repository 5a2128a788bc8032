/// The parsing algorithm behind ``PhoneNumber/init(_:defaultRegion:)``.
///
/// It follows the steps of Google libphonenumber's `parse` (re-implemented, driven by the generated
/// ``PhoneNumberMetadata``):
/// 1. find the number in the text, its extension and its digits (``PhoneNumberText``: `tel:` URIs, labels, trailing
///    text, extensions, vanity letters, Unicode digits), noting leading `+` signs;
/// 2. find the calling code: after a `+`; after the default region's international prefix (unless a `0` follows);
///    or, for a number that starts with the default region's own calling code, when the number only makes sense
///    without it; otherwise the number is national and takes the default region's code;
/// 3. strip the national (trunk) prefix, possibly rewriting the number with the region's transform rule, but only
///    when what remains still has a possible length;
/// 4. require the national significant number to have a possible length for its calling code (``PhoneNumber``
///    then checks that it is valid, unless asked for a possible number only).
enum PhoneNumberParser {
    /// libphonenumber's shortest national significant number.
    static let minimumNationalLength = 2
    /// libphonenumber's longest national significant number.
    static let maximumNationalLength = 17
    /// libphonenumber's name for "no region".
    static let unknownRegion = "ZZ"

    /// A parsed number before it becomes a ``PhoneNumber``.
    struct Parsed: Equatable {
        var countryCode: Int
        /// ASCII digits.
        var nationalNumber: [UInt8]
    }

    /// How a national number's length relates to a region's possible lengths (libphonenumber's `ValidationResult`).
    enum LengthCheck: Equatable {
        case possible
        case possibleLocalOnly
        case tooShort
        case tooLong
        case invalidLength
    }

    /// The outcome of looking for a calling code at the start of a digit string.
    private enum CountryCodeSearch {
        /// A calling code was found; `rest` follows it.
        case found(countryCode: Int, rest: [UInt8])
        /// The number is in national format.
        case national
        /// An international prefix was present but too few digits followed it.
        case tooShortAfterPrefix
        /// An international prefix was present but no known calling code followed it.
        case unknownCountryCode
    }

    /// Parses `text`; see ``PhoneNumber/init(_:defaultRegion:)``.
    static func parse(_ text: String, defaultRegion: String?) throws(WAError) -> Parsed {
        var regionMetadata: PhoneNumberMetadata?
        if let defaultRegion, !defaultRegion.isEmpty {
            let code = asciiUppercased(defaultRegion)
            if code != unknownRegion {
                guard let metadata = PhoneNumberMetadata.region(named: code) else {
                    throw WAError(.invalidPhoneNumber, "unknown default region; use an ISO 3166-1 alpha-2 code (or ZZ for none)",
                                  field: "defaultRegion")
                }
                regionMetadata = metadata
            }
        }
        let extracted = try PhoneNumberText.extract(text, hasRegion: regionMetadata != nil)
        var number = extracted.number[...]
        var hasPlus = false
        while let first = number.first, PhoneNumberText.isPlus(first) {
            number.removeFirst()
            hasPlus = true
        }
        let digits = PhoneNumberText.normalize(number)

        var search = findCountryCode(digits, hasPlus: hasPlus, region: regionMetadata)
        if hasPlus, regionMetadata != nil, case .unknownCountryCode = search {
            // libphonenumber retries once without the '+', in case it was typed before the default region's
            // international prefix. (Without a region the retry cannot succeed.)
            search = findCountryCode(digits, hasPlus: false, region: regionMetadata)
            if case .national = search { search = .unknownCountryCode }
        }

        let countryCode: Int
        var national: [UInt8]
        var metadata: PhoneNumberMetadata
        switch search {
        case .found(let code, let rest):
            guard let main = PhoneNumberMetadata.main(forCountryCode: code) else {
                throw error("unknown country calling code")
            }
            countryCode = code
            national = rest
            metadata = main
        case .national:
            guard let regionMetadata else {
                throw error("a national number needs a default region; use international format (+…)")
            }
            countryCode = regionMetadata.countryCode
            national = digits
            metadata = regionMetadata
        case .tooShortAfterPrefix:
            throw error("too few digits after the international prefix")
        case .unknownCountryCode:
            throw error("unknown country calling code")
        }

        guard national.count >= minimumNationalLength else { throw error("the number is too short") }
        let stripped = stripNationalPrefix(national, metadata: metadata)
        switch lengthCheck(stripped, metadata: metadata) {
        case .tooShort, .possibleLocalOnly, .invalidLength: break
        case .possible, .tooLong: national = stripped
        }
        guard national.count <= maximumNationalLength else { throw error("the number is too long") }
        // Step 4 is `PhoneNumber`'s, with its validity check, for parsed numbers and numbers built from parts alike.
        return Parsed(countryCode: countryCode, nationalNumber: national)
    }

    /// Throws unless `national` has a possible (not local-only) length for `metadata`.
    static func checkPossible(_ national: [UInt8], metadata: PhoneNumberMetadata) throws(WAError) {
        switch lengthCheck(national, metadata: metadata) {
        case .possible: return
        case .possibleLocalOnly: throw error("the number lacks its area code; include it or use international format")
        case .tooShort: throw error("the number is too short for its country")
        case .tooLong: throw error("the number is too long for its country")
        case .invalidLength: throw error("the number has an impossible length for its country")
        }
    }

    // MARK: - Steps

    /// Looks for a calling code at the start of `digits` (libphonenumber's `maybeExtractCountryCode`).
    private static func findCountryCode(
        _ digits: [UInt8], hasPlus: Bool, region: PhoneNumberMetadata?
    ) -> CountryCodeSearch {
        var international: [UInt8]?
        if hasPlus {
            international = digits
        } else if let region {
            if let end = region.internationalPrefix.prefixMatchLength(digits) {
                let rest = Array(digits[end...])
                if rest.first != UInt8(ascii: "0") { international = rest }
            }
        }

        if let international {
            guard international.count > minimumNationalLength else { return .tooShortAfterPrefix }
            guard let (code, rest) = leadingCountryCode(international) else { return .unknownCountryCode }
            return .found(countryCode: code, rest: rest)
        }

        if let region {
            if let codeLength = leadingLength(of: region.countryCode, in: digits) {
                let withoutCode = stripNationalPrefix(Array(digits[codeLength...]), metadata: region)
                let general = region.general.pattern
                if (!general.wholeMatch(digits) && general.wholeMatch(withoutCode))
                    || lengthCheck(digits, metadata: region) == .tooLong
                {
                    return .found(countryCode: region.countryCode, rest: withoutCode)
                }
            }
        }
        return .national
    }

    /// How many digits `code` takes at the start of `digits`, if `digits` starts with it.
    private static func leadingLength(of code: Int, in digits: [UInt8]) -> Int? {
        let length = code >= 100 ? 3 : code >= 10 ? 2 : 1
        guard digits.count >= length else { return nil }
        var value = 0
        for byte in digits[..<length] { value = value * 10 + Int(byte &- UInt8(ascii: "0")) }
        return value == code ? length : nil
    }

    /// The known calling code (1 to 3 digits, never starting with 0) at the start of `digits`, and what follows.
    private static func leadingCountryCode(_ digits: [UInt8]) -> (Int, [UInt8])? {
        guard digits.first != UInt8(ascii: "0") else { return nil }
        var code = 0
        for (length, byte) in digits.prefix(3).enumerated() {
            code = code * 10 + Int(byte - UInt8(ascii: "0"))
            if PhoneNumberMetadata.entries(forCountryCode: code) != nil {
                return (code, Array(digits[(length + 1)...]))
            }
        }
        return nil
    }

    /// Removes the national (trunk) prefix, applying the transform rule (libphonenumber's
    /// `maybeStripNationalPrefixAndCarrierCode`); returns `number` unchanged when nothing applies.
    static func stripNationalPrefix(_ number: [UInt8], metadata: PhoneNumberMetadata) -> [UInt8] {
        guard !number.isEmpty, let prefix = metadata.nationalPrefixForParsing.pattern else { return number }
        // Captures matter only to a transform rule (a few regions have one).
        let match: (end: Int, groups: [Range<Int>?])
        if metadata.nationalPrefixTransformRule.isEmpty {
            guard let end = prefix.prefixMatchLength(number) else { return number }
            match = (end, [])
        } else {
            guard let found = prefix.prefixMatch(number) else { return number }
            match = found
        }
        let general = metadata.general.pattern
        let viableBefore = general.wholeMatch(number)
        let rest = number[match.end...]
        let lastGroupMatched = match.groups.last.map { $0 != nil } ?? false
        var result: [UInt8]
        if metadata.nationalPrefixTransformRule.isEmpty || !lastGroupMatched {
            result = Array(rest)
        } else {
            result = []
            var template = metadata.nationalPrefixTransformRule.utf8.makeIterator()
            while let byte = template.next() {
                guard byte == UInt8(ascii: "$") else {
                    result.append(byte)
                    continue
                }
                guard let groupByte = template.next(), (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(groupByte)
                else { continue }
                let group = Int(groupByte - UInt8(ascii: "0"))
                if group <= match.groups.count, let range = match.groups[group - 1] {
                    result += number[range]
                }
            }
            result += rest
        }
        if viableBefore && !general.wholeMatch(result) { return number }
        return result
    }

    /// Compares a national number's length with the region's possible lengths (libphonenumber's `testNumberLength`).
    static func lengthCheck(_ number: [UInt8], metadata: PhoneNumberMetadata) -> LengthCheck {
        let length = number.count
        let general = metadata.general
        guard let minimum = general.possibleLengths.first, let maximum = general.possibleLengths.last,
            minimum > 0
        else { return .invalidLength }
        if general.localOnlyLengths.contains(length) { return .possibleLocalOnly }
        if length == minimum { return .possible }
        if length < minimum { return .tooShort }
        if length > maximum { return .tooLong }
        return general.possibleLengths.contains(length) ? .possible : .invalidLength
    }

    // MARK: - Characters

    /// `text` with ASCII letters upper-cased.
    private static func asciiUppercased(_ text: String) -> String {
        String(decoding: text.utf8.map { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") ? $0 - 32 : $0 },
               as: UTF8.self)
    }

    /// An `invalid_phone_number` error for the `phone` field.
    static func error(_ message: String) -> WAError {
        WAError(.invalidPhoneNumber, message, field: "phone")
    }
}
