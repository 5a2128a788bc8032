// The per-region metadata behind PhoneNumber, read from the generated table in PhoneNumberMetadata+Table.swift.

/// Per-region numbering-plan data used by ``PhoneNumber``, generated from libphonenumber's metadata. A class, so
/// that the parser passes entries around without copying (and retaining) their patterns.
///
/// One entry exists for every ISO 3166 region libphonenumber knows and one (region `"001"`) for every
/// non-geographic calling code such as `800` or `882`. Patterns are libphonenumber's regular expressions
/// (``DigitPattern``), matched against ASCII digit strings; each is compiled on first use.
///
/// The entries are read once, on first use, from ``table``, which `scripts/generate-phone-metadata.py` generates
/// (`PhoneNumberMetadata+Table.swift`): one line of text per entry rather than a Swift literal per entry, which
/// the optimiser took minutes to compile.
final class PhoneNumberMetadata: Sendable {
    /// ISO 3166-1 alpha-2 region code, or `"001"` for a non-geographic calling code.
    let region: String
    /// The ITU-T E.164 country calling code, such as `44`.
    let countryCode: Int
    /// Whether this region is the main one for its calling code (`US` for `1`, `GB` for `44`).
    let isMainRegion: Bool
    /// The international (IDD) prefix dialled from this region, such as `00` or `011`; empty if none.
    let internationalPrefix: PhonePattern
    /// Recognises the national (trunk) prefix, possibly with a carrier code; empty if none.
    let nationalPrefixForParsing: PhonePattern
    /// Template (`$1`, `$2` groups) that rewrites the number when the prefix pattern captured groups; empty if none.
    let nationalPrefixTransformRule: String
    /// The leading digits of this region's numbers, for regions sharing a calling code; empty if none (then a
    /// number belongs to the region when it is a valid number there).
    let leadingDigits: PhonePattern
    /// Whether the fixed-line and mobile patterns are the same (a match is then "fixed line or mobile").
    let sameMobileAndFixedLinePattern: Bool
    /// Every national significant number of the region: the general pattern and possible lengths.
    let general: PhoneNumberDescription
    /// The numbers of each type; `nil` where the region has none.
    let premiumRate: PhoneNumberDescription?
    let tollFree: PhoneNumberDescription?
    let sharedCost: PhoneNumberDescription?
    let voip: PhoneNumberDescription?
    let personalNumber: PhoneNumberDescription?
    let pager: PhoneNumberDescription?
    let uan: PhoneNumberDescription?
    let voicemail: PhoneNumberDescription?
    let fixedLine: PhoneNumberDescription?
    /// `nil` too when ``sameMobileAndFixedLinePattern``.
    let mobile: PhoneNumberDescription?

    init(
        region: String, countryCode: Int, isMainRegion: Bool, internationalPrefix: PhonePattern,
        nationalPrefixForParsing: PhonePattern, nationalPrefixTransformRule: String, leadingDigits: PhonePattern,
        sameMobileAndFixedLinePattern: Bool, general: PhoneNumberDescription,
        premiumRate: PhoneNumberDescription? = nil, tollFree: PhoneNumberDescription? = nil,
        sharedCost: PhoneNumberDescription? = nil, voip: PhoneNumberDescription? = nil,
        personalNumber: PhoneNumberDescription? = nil, pager: PhoneNumberDescription? = nil,
        uan: PhoneNumberDescription? = nil, voicemail: PhoneNumberDescription? = nil,
        fixedLine: PhoneNumberDescription? = nil, mobile: PhoneNumberDescription? = nil
    ) {
        self.region = region
        self.countryCode = countryCode
        self.isMainRegion = isMainRegion
        self.internationalPrefix = internationalPrefix
        self.nationalPrefixForParsing = nationalPrefixForParsing
        self.nationalPrefixTransformRule = nationalPrefixTransformRule
        self.leadingDigits = leadingDigits
        self.sameMobileAndFixedLinePattern = sameMobileAndFixedLinePattern
        self.general = general
        self.premiumRate = premiumRate
        self.tollFree = tollFree
        self.sharedCost = sharedCost
        self.voip = voip
        self.personalNumber = personalNumber
        self.pager = pager
        self.uan = uan
        self.voicemail = voicemail
        self.fixedLine = fixedLine
        self.mobile = mobile
    }
}

extension PhoneNumberMetadata {
    /// Every entry, ordered by calling code, read from ``table``.
    static let all: [PhoneNumberMetadata] = table.split(separator: "\n").map { line in
        guard let entry = PhoneNumberMetadata(line: line) else {
            preconditionFailure("PhoneNumberMetadata.table has a malformed line: \(line)")
        }
        return entry
    }

    /// Geographic entries by two-letter code, at `(first letter) * 26 + (second letter)`: a lookup without hashing.
    private static let byLetters: [PhoneNumberMetadata?] = {
        var result = [PhoneNumberMetadata?](repeating: nil, count: 26 * 26)
        for entry in all where entry.region != "001" {
            if let index = letterIndex(entry.region) { result[index] = entry }
        }
        return result
    }()

    private static func letterIndex(_ code: String) -> Int? {
        let utf8 = code.utf8
        guard utf8.count == 2, let first = utf8.first, let last = utf8.last,
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first), (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(last)
        else { return nil }
        return Int(first - UInt8(ascii: "A")) * 26 + Int(last - UInt8(ascii: "A"))
    }

    /// The geographic entry of an upper-case ISO 3166-1 code, if libphonenumber knows the region.
    static func region(named code: String) -> PhoneNumberMetadata? {
        letterIndex(code).flatMap { byLetters[$0] }
    }

    /// All entries for a calling code, the main region first, indexed by the code (0 … 999).
    private static let byCode: [[PhoneNumberMetadata]] = {
        var result = [[PhoneNumberMetadata]](repeating: [], count: 1_000)
        for entry in all where (0..<1_000).contains(entry.countryCode) {
            if entry.isMainRegion {
                result[entry.countryCode].insert(entry, at: 0)
            } else {
                result[entry.countryCode].append(entry)
            }
        }
        return result
    }()

    /// The entries of a calling code, the main region first; `nil` for a code that does not exist.
    static func entries(forCountryCode code: Int) -> [PhoneNumberMetadata]? {
        guard (0..<1_000).contains(code) else { return nil }
        let entries = byCode[code]
        return entries.isEmpty ? nil : entries
    }

    /// The metadata of the main region of a calling code (or of the non-geographic entity), if the code exists.
    static func main(forCountryCode code: Int) -> PhoneNumberMetadata? {
        entries(forCountryCode: code)?.first
    }

    /// Reads one line of ``table``: the region, the calling code, then `key=value` fields separated by spaces
    /// (`main` and `same` are flags; a description is `pattern@lengths` or `pattern@lengths@local-only lengths`,
    /// lengths comma-separated). Fields that are empty are left out.
    convenience init?(line: Substring) {
        let fields = line.split(separator: " ")
        guard fields.count >= 2, let code = Int(fields[1]) else { return nil }
        var values: [Substring: Substring] = [:]
        var flags: Set<Substring> = []
        for field in fields.dropFirst(2) {
            if let equals = field.firstIndex(of: "=") {
                values[field[..<equals]] = field[field.index(after: equals)...]
            } else {
                flags.insert(field)
            }
        }
        func pattern(_ key: Substring) -> PhonePattern { PhonePattern(stringLiteral: String(values[key] ?? "")) }
        func description(_ key: Substring) -> PhoneNumberDescription? {
            guard let value = values[key] else { return nil }
            let parts = value.split(separator: "@", omittingEmptySubsequences: false)
            func lengths(_ index: Int) -> [Int] {
                index < parts.count ? parts[index].split(separator: ",").compactMap { Int($0) } : []
            }
            return PhoneNumberDescription(PhonePattern(stringLiteral: String(parts[0])), lengths(1), localOnly: lengths(2))
        }
        guard let general = description("general") else { return nil }
        self.init(
            region: String(fields[0]), countryCode: code, isMainRegion: flags.contains("main"),
            internationalPrefix: pattern("idd"), nationalPrefixForParsing: pattern("npp"),
            nationalPrefixTransformRule: String(values["transform"] ?? ""), leadingDigits: pattern("leading"),
            sameMobileAndFixedLinePattern: flags.contains("same"), general: general,
            premiumRate: description("premiumRate"), tollFree: description("tollFree"),
            sharedCost: description("sharedCost"), voip: description("voip"),
            personalNumber: description("personalNumber"), pager: description("pager"), uan: description("uan"),
            voicemail: description("voicemail"), fixedLine: description("fixedLine"), mobile: description("mobile"))
    }
}
