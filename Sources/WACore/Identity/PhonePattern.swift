import Synchronization

/// A metadata pattern in ``PhoneNumberMetadata``: its text, compiled into a ``DigitPattern`` the first time it is
/// matched and shared from then on without a lock. Written as a string literal in the generated metadata.
final class PhonePattern: Sendable, ExpressibleByStringLiteral {
    /// The pattern as libphonenumber writes it; empty for "no pattern".
    let source: String
    private let compiled = AtomicLazyReference<DigitPattern>()

    init(stringLiteral source: String) {
        self.source = source
    }

    /// Whether there is no pattern (it then never matches).
    var isEmpty: Bool { source.isEmpty }

    /// The compiled pattern; `nil` when empty or outside ``DigitPattern``'s dialect (the metadata tests check that
    /// every pattern compiles).
    var pattern: DigitPattern? {
        let pattern = compiledOrNever
        return pattern === DigitPattern.neverMatching ? nil : pattern
    }

    /// The compiled pattern, compiled now if this is its first use; ``DigitPattern/neverMatching`` for one that
    /// does not compile.
    private var compiledOrNever: DigitPattern {
        compiled.load() ?? compiled.storeIfNil(DigitPattern(source) ?? DigitPattern.neverMatching)
    }

    /// Whether the whole of `digits` matches (never for an empty pattern).
    func wholeMatch(_ digits: [UInt8]) -> Bool {
        guard !source.isEmpty else { return false }
        return compiledOrNever.wholeMatch(digits)
    }

    /// The length of the match at the start of `digits`, if the pattern matches there.
    func prefixMatchLength(_ digits: [UInt8]) -> Int? {
        pattern?.prefixMatchLength(digits)
    }
}

/// The numbers of one type in one region (or of the region in general): libphonenumber's `PhoneNumberDesc`.
final class PhoneNumberDescription: Sendable {
    /// The national significant numbers of this type.
    let pattern: PhonePattern
    /// Their possible lengths, ascending.
    let possibleLengths: [Int]
    /// Lengths only dialable locally, without the area code (general descriptions only), ascending.
    let localOnlyLengths: [Int]

    init(_ pattern: PhonePattern, _ possibleLengths: [Int], localOnly: [Int] = []) {
        self.pattern = pattern
        self.possibleLengths = possibleLengths
        self.localOnlyLengths = localOnly
    }

    /// Whether `digits` is a number of this type: a possible length and a match of the pattern
    /// (libphonenumber's `isNumberMatchingDesc`).
    func matches(_ digits: [UInt8]) -> Bool {
        (possibleLengths.isEmpty || possibleLengths.contains(digits.count)) && pattern.wholeMatch(digits)
    }
}
