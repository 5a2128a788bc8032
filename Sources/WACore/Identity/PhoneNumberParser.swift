import Synchronization

/// The parsing algorithm behind ``PhoneNumber/init(_:defaultRegion:)``.
///
/// It follows the steps of Google libphonenumber's `parse` (re-implemented, driven by the generated
/// ``PhoneNumberMetadata``):
/// 1. scan the text into digits, noting a leading `+` (letters and unknown symbols are rejected);
/// 2. find the calling code: after a `+`; after the default region's international prefix (unless a `0` follows);
///    or, for a number that starts with the default region's own calling code, when the number only makes sense
///    without it; otherwise the number is national and takes the default region's code;
/// 3. strip the national (trunk) prefix, possibly rewriting the number with the region's transform rule, but only
///    when what remains still has a possible length;
/// 4. require the national significant number to have a possible length for its calling code.
enum PhoneNumberParser {
    /// libphonenumber's shortest national significant number.
    static let minimumNationalLength = 2
    /// libphonenumber's longest national significant number.
    static let maximumNationalLength = 17
    /// The longest input scanned at all.
    static let maximumInputLength = 250

    /// A parsed number before it becomes a ``PhoneNumber``.
    struct Parsed: Equatable {
        var countryCode: Int
        var nationalNumber: String
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
        case found(countryCode: Int, rest: String)
        /// The number is in national format.
        case national
        /// An international prefix was present but too few digits followed it.
        case tooShortAfterPrefix
        /// An international prefix was present but no known calling code followed it.
        case unknownCountryCode
    }

    /// Parses `text`; see ``PhoneNumber/init(_:defaultRegion:)``.
    static func parse(_ text: String, defaultRegion: String?) throws(WAError) -> Parsed {
        let (digits, hasPlus) = try scan(text)

        var regionMetadata: PhoneNumberMetadata?
        if let defaultRegion, !defaultRegion.isEmpty {
            guard let metadata = PhoneNumberMetadata.byRegion[asciiUppercased(defaultRegion)] else {
                throw WAError(.invalidPhoneNumber, "unknown default region; use an ISO 3166-1 alpha-2 code",
                              field: "defaultRegion")
            }
            regionMetadata = metadata
        }

        var search = findCountryCode(digits, hasPlus: hasPlus, region: regionMetadata)
        if hasPlus, regionMetadata != nil, case .unknownCountryCode = search {
            // libphonenumber retries once without the '+', in case it was typed before the default region's
            // international prefix. (Without a region the retry cannot succeed.)
            search = findCountryCode(digits, hasPlus: false, region: regionMetadata)
            if case .national = search { search = .unknownCountryCode }
        }

        let countryCode: Int
        var national: String
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

        guard national.utf8.count >= minimumNationalLength else { throw error("the number is too short") }
        let stripped = stripNationalPrefix(national, metadata: metadata)
        switch lengthCheck(stripped, metadata: metadata) {
        case .tooShort, .possibleLocalOnly, .invalidLength: break
        case .possible, .tooLong: national = stripped
        }
        guard national.utf8.count <= maximumNationalLength else { throw error("the number is too long") }
        guard let main = PhoneNumberMetadata.main(forCountryCode: countryCode) else {
            throw error("unknown country calling code")
        }
        metadata = main
        try checkPossible(national, metadata: metadata)
        return Parsed(countryCode: countryCode, nationalNumber: national)
    }

    /// Throws unless `national` has a possible (not local-only) length for `metadata`.
    static func checkPossible(_ national: String, metadata: PhoneNumberMetadata) throws(WAError) {
        switch lengthCheck(national, metadata: metadata) {
        case .possible: return
        case .possibleLocalOnly: throw error("the number lacks its area code; include it or use international format")
        case .tooShort: throw error("the number is too short for its country")
        case .tooLong: throw error("the number is too long for its country")
        case .invalidLength: throw error("the number has an impossible length for its country")
        }
    }

    // MARK: - Steps

    /// Reads the digits of `text` (any Unicode decimal digits, as ASCII) and whether it starts with `+`.
    private static func scan(_ text: String) throws(WAError) -> (digits: String, hasPlus: Bool) {
        guard text.utf8.count <= maximumInputLength else { throw error("the input is too long") }
        var digits: [UInt8] = []
        var hasPlus = false
        for scalar in text.unicodeScalars {
            if let value = digitValue(scalar) {
                digits.append(UInt8(ascii: "0") + value)
                continue
            }
            if scalar == "+" || scalar == "\u{FF0B}" {
                guard digits.isEmpty, !hasPlus else { throw error("'+' may only start the number") }
                hasPlus = true
                continue
            }
            if isSeparator(scalar) { continue }
            if scalar.properties.isAlphabetic { throw error("letters are not allowed in a phone number") }
            throw error("unexpected character in a phone number")
        }
        guard !digits.isEmpty else { throw error("a phone number needs digits") }
        guard digits.count >= minimumNationalLength else { throw error("the number is too short") }
        return (String(decoding: digits, as: UTF8.self), hasPlus)
    }

    /// Looks for a calling code at the start of `digits` (libphonenumber's `maybeExtractCountryCode`).
    private static func findCountryCode(
        _ digits: String, hasPlus: Bool, region: PhoneNumberMetadata?
    ) -> CountryCodeSearch {
        var international: String?
        if hasPlus {
            international = digits
        } else if let region {
            if !region.internationalPrefix.isEmpty,
                let end = prefixMatchEnd(digits, pattern: region.internationalPrefix)
            {
                let rest = String(digits.dropFirst(end))
                if rest.first != "0" { international = rest }
            }
        } else if digits.hasPrefix("00"), digits.dropFirst(2).first != "0" {
            // No region: `00` is the international prefix of most of the world (an extension of libphonenumber,
            // which would reject this input).
            international = String(digits.dropFirst(2))
        }

        if let international {
            guard international.utf8.count > minimumNationalLength else { return .tooShortAfterPrefix }
            guard let (code, rest) = leadingCountryCode(international) else { return .unknownCountryCode }
            return .found(countryCode: code, rest: rest)
        }

        if let region {
            let codeText = String(region.countryCode)
            if digits.hasPrefix(codeText) {
                let withoutCode = stripNationalPrefix(String(digits.dropFirst(codeText.utf8.count)), metadata: region)
                if (!fullMatch(digits, pattern: region.generalPattern)
                    && fullMatch(withoutCode, pattern: region.generalPattern))
                    || lengthCheck(digits, metadata: region) == .tooLong
                {
                    return .found(countryCode: region.countryCode, rest: withoutCode)
                }
            }
        }
        return .national
    }

    /// The known calling code (1 to 3 digits, never starting with 0) at the start of `digits`, and what follows.
    private static func leadingCountryCode(_ digits: String) -> (Int, String)? {
        guard digits.first != "0" else { return nil }
        var code = 0
        var length = 0
        for byte in digits.utf8.prefix(3) {
            code = code * 10 + Int(byte - UInt8(ascii: "0"))
            length += 1
            if PhoneNumberMetadata.byCountryCode[code] != nil {
                return (code, String(digits.dropFirst(length)))
            }
        }
        return nil
    }

    /// Removes the national (trunk) prefix, applying the transform rule (libphonenumber's
    /// `maybeStripNationalPrefixAndCarrierCode`); returns `number` unchanged when nothing applies.
    static func stripNationalPrefix(_ number: String, metadata: PhoneNumberMetadata) -> String {
        guard !number.isEmpty, !metadata.nationalPrefixForParsing.isEmpty,
            let regex = compile(metadata.nationalPrefixForParsing),
            let match = try? regex.prefixMatch(in: number)
        else { return number }
        let viableBefore = fullMatch(number, pattern: metadata.generalPattern)
        let rest = String(number[match.range.upperBound...])
        let groupCount = match.output.count - 1
        let lastGroupMatched = groupCount > 0 && match.output[groupCount].substring != nil
        let result: String
        if metadata.nationalPrefixTransformRule.isEmpty || !lastGroupMatched {
            result = rest
        } else {
            var transformed = ""
            var template = metadata.nationalPrefixTransformRule.unicodeScalars.makeIterator()
            while let scalar = template.next() {
                guard scalar == "$" else {
                    transformed.unicodeScalars.append(scalar)
                    continue
                }
                guard let groupScalar = template.next(), let group = digitValue(groupScalar) else { continue }
                if Int(group) <= groupCount, let text = match.output[Int(group)].substring {
                    transformed += text
                }
            }
            result = transformed + rest
        }
        if viableBefore && !fullMatch(result, pattern: metadata.generalPattern) { return number }
        return result
    }

    /// Compares a national number's length with the region's possible lengths (libphonenumber's `testNumberLength`).
    static func lengthCheck(_ number: String, metadata: PhoneNumberMetadata) -> LengthCheck {
        let length = number.utf8.count
        guard let minimum = metadata.possibleLengths.first, let maximum = metadata.possibleLengths.last,
            minimum > 0
        else { return .invalidLength }
        if metadata.localOnlyLengths.contains(length) { return .possibleLocalOnly }
        if length == minimum { return .possible }
        if length < minimum { return .tooShort }
        if length > maximum { return .tooLong }
        return metadata.possibleLengths.contains(length) ? .possible : .invalidLength
    }

    // MARK: - Patterns

    /// The metadata patterns compiled so far, by pattern text: each is compiled once, on first use.
    private static let compiled = Mutex<[String: CompiledPattern]>([:])

    /// A compiled pattern that may be shared between threads. `Regex` is immutable once created and matches
    /// safely from several threads (its lazily lowered program is published atomically); it is not `Sendable` only
    /// because its `AnyRegexOutput` match type is not.
    private struct CompiledPattern: @unchecked Sendable {
        let regex: Regex<AnyRegexOutput>
    }

    /// Compiles a metadata pattern, or returns it from ``compiled``; `nil` if it does not compile (the metadata
    /// tests make sure all do).
    private static func compile(_ pattern: String) -> Regex<AnyRegexOutput>? {
        if let cached = compiled.withLock({ $0[pattern] }) { return cached.regex }
        guard let regex = try? Regex(pattern) else { return nil }
        compiled.withLock { $0[pattern] = CompiledPattern(regex: regex) }
        return regex
    }

    /// Whether the whole of `number` matches `pattern` (never for an empty pattern).
    static func fullMatch(_ number: String, pattern: String) -> Bool {
        guard !pattern.isEmpty, let regex = compile(pattern) else { return false }
        return (try? regex.wholeMatch(in: number)) != nil
    }

    /// The length of the match of `pattern` at the start of `number`, if it matches there.
    static func prefixMatchEnd(_ number: String, pattern: String) -> Int? {
        guard !pattern.isEmpty, let regex = compile(pattern),
            let match = try? regex.prefixMatch(in: number)
        else { return nil }
        return number.utf8.distance(from: number.startIndex, to: match.range.upperBound)
    }

    // MARK: - Characters

    /// The value of a Unicode decimal digit (`0`–`9`, full-width, Arabic-Indic, …).
    private static func digitValue(_ scalar: Unicode.Scalar) -> UInt8? {
        if scalar.value >= 0x30 && scalar.value <= 0x39 { return UInt8(scalar.value - 0x30) }
        guard scalar.properties.numericType == .decimal, let value = scalar.properties.numericValue,
            value >= 0, value <= 9
        else { return nil }
        return UInt8(value)
    }

    /// Punctuation and spaces that may appear between the digits of a phone number.
    private static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "-", ".", "/", "(", ")", "[", "]", "~",
            "\u{00A0}", "\u{00AD}", "\u{2007}", "\u{200B}", "\u{2060}", "\u{202F}", "\u{3000}",
            "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2015}", "\u{2212}", "\u{30FC}",
            "\u{FF0D}", "\u{FF0E}", "\u{FF0F}", "\u{FF08}", "\u{FF09}", "\u{FF3B}", "\u{FF3D}",
            "\u{2053}", "\u{223C}", "\u{FF5E}":
            true
        default:
            false
        }
    }

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
