/// How libphonenumber reads the text around a phone number before it looks at the digits: RFC 3966 `tel:` URIs,
/// leading labels and symbols, trailing text, a second number, extensions, the viability check, and the
/// normalisation of Unicode digits and vanity letters. Each step re-implements the regular expression of
/// libphonenumber's `parse` that it is named after (quoted in its comment); `PhoneNumberCrossCheckTests` holds them
/// to the Python `phonenumbers` package over tens of thousands of inputs.
///
/// Works on Unicode scalars, as libphonenumber works on code points.
enum PhoneNumberText {
    /// The part of the text that is the number, and the extension that followed it, if any.
    struct Extracted {
        /// The number: from its first `+` or digit, without trailing text, extension or parameters.
        var number: ArraySlice<Unicode.Scalar>
        /// The extension's digits (ASCII), if the text had one.
        var `extension`: String?
    }

    /// libphonenumber's longest input, in code points.
    static let maximumInputLength = 250

    /// Finds the number in `text` (libphonenumber's `buildNationalNumberForParsing`, `isViablePhoneNumber`,
    /// `checkRegionForParsing` and `maybeStripExtension`).
    ///
    /// - Parameter hasRegion: whether a known default region was given; without one the number must start with
    ///   a plus sign.
    static func extract(_ text: String, hasRegion: Bool) throws(WAError) -> Extracted {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count <= maximumInputLength else { throw PhoneNumberParser.error("the input is too long") }
        var number = try numberForParsing(scalars)
        guard isViable(number[...]) else {
            throw PhoneNumberParser.error("the text does not look like a phone number")
        }
        guard hasRegion || number.first.map(isPlus) == true else {
            throw PhoneNumberParser.error("a national number needs a default region; use international format (+…)")
        }
        var extensionDigits: String?
        if let (start, digits) = extensionAtEnd(number), isViable(number[..<start]) {
            extensionDigits = digits
            number = number[..<start]
        }
        return Extracted(number: number, extension: extensionDigits)
    }

    // MARK: Finding the number

    /// `buildNationalNumberForParsing`: the number of a `tel:` URI with a `phone-context`, or the possible number
    /// in the text; without an ISDN subaddress.
    private static func numberForParsing(_ text: [Unicode.Scalar]) throws(WAError) -> ArraySlice<Unicode.Scalar> {
        var number: ArraySlice<Unicode.Scalar>
        if let contextStart = firstIndex(of: phoneContext, in: text[...]) {
            let valueStart = contextStart + phoneContext.count
            let valueEnd = text[valueStart...].firstIndex(of: ";") ?? text.count
            let context = text[valueStart..<valueEnd]
            guard isGlobalNumberDigits(context) || isDomainName(context) else {
                throw PhoneNumberParser.error("the tel: URI's phone-context is invalid")
            }
            var joined = context.first == "+" ? Array(context) : []
            let start = firstIndex(of: telPrefix, in: text[...]).map { $0 + telPrefix.count } ?? 0
            if start < contextStart { joined += text[start..<contextStart] }
            number = joined[...]
        } else {
            number = possibleNumber(text)
        }
        if let subaddress = firstIndex(of: isdnSubaddress, in: number), subaddress > number.startIndex {
            number = number[..<subaddress]
        }
        return number
    }

    /// `extractPossibleNumber`: from the first `+` or digit (`[+＋\d]`), without trailing characters that are
    /// neither word characters nor `#` (`(?:_|[^#\w])+$`) and without a second number (`[\\/] *x`).
    private static func possibleNumber(_ text: [Unicode.Scalar]) -> ArraySlice<Unicode.Scalar> {
        guard let start = text.firstIndex(where: { isPlus($0) || digitValue($0) != nil }) else { return [] }
        var end = text.count
        while end > start, isUnwantedEnd(text[end - 1]) { end -= 1 }
        // A backslash or slash, spaces, then `x`: what follows is a second number.
        for index in start..<end where text[index] == "\\" || text[index] == "/" {
            var next = index + 1
            while next < end, text[next] == " " { next += 1 }
            if next < end, text[next] == "x" {
                end = index
                break
            }
        }
        return text[start..<end]
    }

    private static let phoneContext = Array(";phone-context=".unicodeScalars)
    private static let telPrefix = Array("tel:".unicodeScalars)
    private static let isdnSubaddress = Array(";isub=".unicodeScalars)

    /// The first index where `needle` occurs in `haystack` (case-sensitive, as libphonenumber searches).
    private static func firstIndex(of needle: [Unicode.Scalar], in haystack: ArraySlice<Unicode.Scalar>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in haystack.startIndex...(haystack.endIndex - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }

    /// RFC 3966 global-number-digits: `^\+(\d|[\-\.\(\)]?)*\d(\d|[\-\.\(\)]?)*$`.
    private static func isGlobalNumberDigits(_ value: ArraySlice<Unicode.Scalar>) -> Bool {
        guard value.first == "+" else { return false }
        var sawDigit = false
        for scalar in value.dropFirst() {
            if digitValue(scalar) != nil {
                sawDigit = true
            } else if !"-.()".unicodeScalars.contains(scalar) {
                return false
            }
        }
        return sawDigit
    }

    /// RFC 3966 domainname: labels of ASCII letters and digits with inner hyphens, separated by dots, the last
    /// starting with a letter, and an optional final dot.
    private static func isDomainName(_ value: ArraySlice<Unicode.Scalar>) -> Bool {
        var labels = value.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count > 1, labels.last?.isEmpty == true { labels.removeLast() }
        guard let last = labels.last, let first = last.first, isASCIILetter(first) else { return false }
        return labels.allSatisfy { label in
            guard let head = label.first, let tail = label.last, head != "-", tail != "-" else { return false }
            return label.allSatisfy { isASCIILetter($0) || digitValue($0) != nil || $0 == "-" }
        }
    }

    // MARK: Viability

    /// `isViablePhoneNumber`: at least two characters, and the whole matches `\d{2}`, or pluses, at least three
    /// digits with only punctuation or `*` before each, then punctuation, `*`, letters or digits, and an optional
    /// extension (case-insensitive).
    static func isViable(_ number: ArraySlice<Unicode.Scalar>) -> Bool {
        guard number.count >= 2 else { return false }
        if number.count == 2, number.allSatisfy({ digitValue($0) != nil }) { return true }
        var index = number.startIndex
        while index < number.endIndex, isPlus(number[index]) { index += 1 }
        var digits = 0
        while index < number.endIndex, digits < 3 {
            let scalar = number[index]
            if digitValue(scalar) != nil {
                digits += 1
            } else if !isPunctuation(scalar) && scalar != "*" {
                return false
            }
            index += 1
        }
        guard digits == 3 else { return false }
        // Then `[P*A\d]*` and an optional extension that reaches the end.
        let tailStart = index
        while index < number.endIndex, isTailCharacter(number[index]) { index += 1 }
        if index == number.endIndex { return true }
        for start in tailStart...index where extensionMatch(number, from: start, allowFinalNewline: false) != nil {
            return true
        }
        return false
    }

    // MARK: Extensions

    /// `maybeStripExtension`'s search for `(?:EXTN)$`: the leftmost start of an extension that runs to the end
    /// (or to a final newline), and its digits.
    private static func extensionAtEnd(_ number: ArraySlice<Unicode.Scalar>) -> (start: Int, digits: String)? {
        // Every form of extension has a label (letters, `;`, `,`, `#`, `~`) or ends with `#`: most numbers have
        // none of these, and need no search.
        guard number.contains(where: mayBeExtensionSyntax) else { return nil }
        for start in number.indices {
            if let digits = extensionMatch(number, from: start, allowFinalNewline: true) {
                return (start, digits)
            }
        }
        return nil
    }

    /// The digits of libphonenumber's extension pattern for parsing if it matches from `start` to the end, trying
    /// its alternatives in order:
    /// 1. `;ext=(\d{1,20})`
    /// 2. `[ \xa0\t,]*(?:e?xt(?:ensi(?:ó?|ó))?n?|ｅ?ｘｔｎ?|доб|anexo)[:\.．]?[ \xa0\t,-]*(\d{1,20})#?`
    /// 3. `[ \xa0\t,]*(?:[xｘ#＃~～]|int|ｉｎｔ)[:\.．]?[ \xa0\t,-]*(\d{1,9})#?`
    /// 4. `[- ]+(\d{1,6})#`
    /// 5. `[ \xa0\t]*(?:,{2}|;)[:\.．]?[ \xa0\t,-]*(\d{1,15})#?`
    /// 6. `[ \xa0\t]*(?:,)+[:\.．]?[ \xa0\t,-]*(\d{1,9})#?`
    ///
    /// Letters compare case-insensitively. With `allowFinalNewline`, the match may also end before a final `\n`
    /// (the meaning of `$` in Python).
    static func extensionMatch(_ s: ArraySlice<Unicode.Scalar>, from start: Int, allowFinalNewline: Bool) -> String? {
        var end = s.endIndex
        let ends = allowFinalNewline && s.last == "\n" ? [end, end - 1] : [end]
        for candidate in ends {
            end = candidate
            let text = s[start..<end]
            // 1. RFC 3966.
            if let after = literal(";ext=", in: text, at: start), let digits = digitsToEnd(text, from: after, limit: 20, hash: .forbidden) {
                return digits
            }
            // 2. Explicit labels.
            for labelStart in run(text, from: start, of: isLabelSeparator) {
                for labelEnd in explicitLabelEnds(text, at: labelStart) {
                    if let digits = afterLabel(text, from: labelEnd, limit: 20) { return digits }
                }
            }
            // 3. Ambiguous labels.
            for labelStart in run(text, from: start, of: isLabelSeparator) {
                for labelEnd in ambiguousLabelEnds(text, at: labelStart) {
                    if let digits = afterLabel(text, from: labelEnd, limit: 9) { return digits }
                }
            }
            // 4. American style: `- 503#`.
            let dashes = run(text, from: start) { $0 == "-" || $0 == " " }
            for digitsStart in dashes.dropLast() {  // `+`: at least one
                if let digits = digitsToEnd(text, from: digitsStart, limit: 6, hash: .required) { return digits }
            }
            // 5. Auto-dialling `,,` or `;`.
            for labelStart in run(text, from: start, of: isSpaceOrTab) {
                var labelEnds: [Int] = []
                if let after = literal(",,", in: text, at: labelStart) { labelEnds.append(after) }
                if let after = literal(";", in: text, at: labelStart) { labelEnds.append(after) }
                for labelEnd in labelEnds {
                    if let digits = afterLabel(text, from: labelEnd, limit: 15) { return digits }
                }
            }
            // 6. Commas.
            for labelStart in run(text, from: start, of: isSpaceOrTab) {
                for labelEnd in run(text, from: labelStart, of: { $0 == "," }).dropLast() {  // `+`
                    if let digits = afterLabel(text, from: labelEnd, limit: 9) { return digits }
                }
            }
        }
        return nil
    }

    /// `[:\.．]?[ \xa0\t,-]*(\d{1,limit})#?` to the end of `text`.
    private static func afterLabel(_ text: ArraySlice<Unicode.Scalar>, from position: Int, limit: Int) -> String? {
        var starts = [position]
        if position < text.endIndex, text[position] == ":" || text[position] == "." || text[position] == "\u{FF0E}" {
            starts.insert(position + 1, at: 0)
        }
        for start in starts {
            for digitsStart in run(text, from: start, of: { isLabelSeparator($0) || $0 == "-" }) {
                if let digits = digitsToEnd(text, from: digitsStart, limit: limit, hash: .optional) { return digits }
            }
        }
        return nil
    }

    private enum Hash { case forbidden, optional, required }

    /// `(\d{1,limit})` then the `#` rule, ending exactly at the end of `text`; the digits in ASCII.
    private static func digitsToEnd(_ text: ArraySlice<Unicode.Scalar>, from start: Int, limit: Int, hash: Hash)
        -> String?
    {
        var end = text.endIndex
        if hash != .forbidden, end > start, text[end - 1] == "#" {
            end -= 1
        } else if hash == .required {
            return nil
        }
        let count = end - start
        guard (1...limit).contains(count) else { return nil }
        var digits = ""
        for scalar in text[start..<end] {
            guard let value = digitValue(scalar) else { return nil }
            digits.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "0") + value))
        }
        return digits
    }

    /// Every position reachable from `start` by taking zero or more characters that satisfy `allowed`, the
    /// longest first (greedy, as the regular expression tries them).
    private static func run(
        _ text: ArraySlice<Unicode.Scalar>, from start: Int, of allowed: (Unicode.Scalar) -> Bool
    ) -> [Int] {
        var end = start
        while end < text.endIndex, allowed(text[end]) { end += 1 }
        return Array((start...end).reversed())
    }

    /// The end of `word` at `position`, compared case-insensitively.
    private static func literal(_ word: String, in text: ArraySlice<Unicode.Scalar>, at position: Int) -> Int? {
        var index = position
        for expected in word.unicodeScalars {
            guard index < text.endIndex, folded(text[index]) == expected else { return nil }
            index += 1
        }
        return index
    }

    /// Where `e?xt(?:ensi(?:ó?|ó))?n?|ｅ?ｘｔｎ?|доб|anexo` can end when it starts at `position`.
    private static func explicitLabelEnds(_ text: ArraySlice<Unicode.Scalar>, at position: Int) -> [Int] {
        var ends: [Int] = []
        // e?xt(?:ensi(?:o\u{301}?|ó))?n?
        for xStart in [literal("e", in: text, at: position), position].compactMap({ $0 }) {
            guard let afterXT = literal("xt", in: text, at: xStart) else { continue }
            var stems = [afterXT]
            if let afterEnsi = literal("ensi", in: text, at: afterXT) {
                var vowels: [Int] = []
                if let o = literal("o", in: text, at: afterEnsi) {
                    if let accent = literal("\u{301}", in: text, at: o) { vowels.append(accent) }
                    vowels.append(o)
                }
                if let accented = literal("\u{F3}", in: text, at: afterEnsi) { vowels.append(accented) }
                stems = vowels + stems
            }
            for stem in stems {
                if let n = literal("n", in: text, at: stem) { ends.append(n) }
                ends.append(stem)
            }
        }
        // ｅ?ｘｔｎ?
        for xStart in [literal("\u{FF45}", in: text, at: position), position].compactMap({ $0 }) {
            guard let afterXT = literal("\u{FF58}\u{FF54}", in: text, at: xStart) else { continue }
            if let n = literal("\u{FF4E}", in: text, at: afterXT) { ends.append(n) }
            ends.append(afterXT)
        }
        if let end = literal("\u{434}\u{43E}\u{431}", in: text, at: position) { ends.append(end) }
        if let end = literal("anexo", in: text, at: position) { ends.append(end) }
        return ends
    }

    /// Where `[xｘ#＃~～]|int|ｉｎｔ` can end when it starts at `position`.
    private static func ambiguousLabelEnds(_ text: ArraySlice<Unicode.Scalar>, at position: Int) -> [Int] {
        var ends: [Int] = []
        if position < text.endIndex {
            switch folded(text[position]) {
            case "x", "\u{FF58}", "#", "\u{FF03}", "~", "\u{FF5E}": ends.append(position + 1)
            default: break
            }
        }
        if let end = literal("int", in: text, at: position) { ends.append(end) }
        if let end = literal("\u{FF49}\u{FF4E}\u{FF54}", in: text, at: position) { ends.append(end) }
        return ends
    }

    // MARK: Normalising

    /// `normalize`: with three ASCII letters or more (and no line break), the letters become the digits of their
    /// telephone keys and ASCII digits stay, everything else goes (a vanity number); otherwise every Unicode
    /// decimal digit becomes its ASCII digit and everything else goes. Returns ASCII digits.
    static func normalize(_ number: ArraySlice<Unicode.Scalar>) -> [UInt8] {
        var letters = 0
        var hasNewline = false
        for scalar in number {
            if isASCIILetter(scalar) { letters += 1 }
            if scalar == "\n" { hasNewline = true }
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(number.count)
        if letters >= 3 && !hasNewline {
            for scalar in number {
                if scalar.isASCII, let digit = keypadDigit(UInt8(scalar.value)) {
                    digits.append(digit)
                } else if !scalar.isASCII, let upper = singleScalarUppercase(scalar), upper.isASCII,
                    let digit = keypadDigit(UInt8(upper.value)), !(0x30...0x39).contains(upper.value)
                {
                    digits.append(digit)  // `ſ` upper-cases to `S`, `ı` to `I`
                }
            }
        } else {
            for scalar in number {
                if let value = digitValue(scalar) { digits.append(UInt8(ascii: "0") + value) }
            }
        }
        return digits
    }

    /// The digit an ASCII letter or digit dials, if it is one.
    private static func keypadDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return keypadDigit(byte - 32)
        case UInt8(ascii: "A")...UInt8(ascii: "C"): return UInt8(ascii: "2")
        case UInt8(ascii: "D")...UInt8(ascii: "F"): return UInt8(ascii: "3")
        case UInt8(ascii: "G")...UInt8(ascii: "I"): return UInt8(ascii: "4")
        case UInt8(ascii: "J")...UInt8(ascii: "L"): return UInt8(ascii: "5")
        case UInt8(ascii: "M")...UInt8(ascii: "O"): return UInt8(ascii: "6")
        case UInt8(ascii: "P")...UInt8(ascii: "S"): return UInt8(ascii: "7")
        case UInt8(ascii: "T")...UInt8(ascii: "V"): return UInt8(ascii: "8")
        case UInt8(ascii: "W")...UInt8(ascii: "Z"): return UInt8(ascii: "9")
        default: return nil
        }
    }

    // MARK: Characters

    /// `[+＋]`.
    static func isPlus(_ scalar: Unicode.Scalar) -> Bool { scalar == "+" || scalar == "\u{FF0B}" }

    /// The value of a Unicode decimal digit (`\d`: `0`–`9`, full-width, Arabic-Indic, …).
    static func digitValue(_ scalar: Unicode.Scalar) -> UInt8? {
        if scalar.value >= 0x30 && scalar.value <= 0x39 { return UInt8(scalar.value - 0x30) }
        guard scalar.value >= 0x80, scalar.properties.numericType == .decimal,
            let value = scalar.properties.numericValue, value >= 0, value <= 9
        else { return nil }
        return UInt8(value)
    }

    /// libphonenumber's `VALID_PUNCTUATION`, with `X` for `x` (the viability pattern ignores case).
    private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2D, 0x78, 0x58, 0x20, 0xA0, 0xAD, 0x200B, 0x2060, 0x3000, 0x28, 0x29, 0xFF08, 0xFF09, 0xFF3B, 0xFF3D,
            0x2E, 0x5B, 0x5D, 0x2F, 0x7E, 0x2053, 0x223C, 0xFF5E, 0x2212, 0x30FC:
            true
        case 0x2010...0x2015, 0xFF0D...0xFF0F:
            true
        default:
            false
        }
    }

    /// `[P*A\d]` of the viability pattern: punctuation, `*`, letters (ASCII, and what matches them ignoring case)
    /// and digits.
    private static func isTailCharacter(_ scalar: Unicode.Scalar) -> Bool {
        isPunctuation(scalar) || scalar == "*" || isASCIILetter(scalar) || digitValue(scalar) != nil
            || [0x17F, 0x212A, 0x130, 0x131].contains(scalar.value)
    }

    /// Whether `scalar` can be part of an extension's label: a letter, `;`, `,`, `#`, `＃`, `~` or `～`.
    private static func mayBeExtensionSyntax(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case ";", ",", "#", "\u{FF03}", "~", "\u{FF5E}": return true
        default: return isASCIILetter(scalar) || (!scalar.isASCII && scalar.properties.isAlphabetic)
        }
    }

    /// `[ \xa0\t,]`.
    private static func isLabelSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\u{A0}" || scalar == "\t" || scalar == ","
    }

    /// `[ \xa0\t]`.
    private static func isSpaceOrTab(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\u{A0}" || scalar == "\t"
    }

    /// `_|[^#\w]`: what is cut from the end of the text.
    private static func isUnwantedEnd(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" { return true }
        if scalar == "#" { return false }
        return !isWordCharacter(scalar)
    }

    /// Python's `\w`: letters (categories L*), numbers (a numeric value) and `_`.
    private static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let byte = UInt8(scalar.value)
            return (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return scalar.properties.numericType != nil
        }
    }

    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (UInt8(scalar.value) | 0x20) >= 0x61 && (UInt8(scalar.value) | 0x20) <= 0x7A
    }

    /// `scalar` lower-cased when that is one scalar (how the extension labels compare, ignoring case), with
    /// Python's extra equivalences: `ſ` is `s`, the Kelvin sign is `k`, dotted and dotless `i` are `i`.
    private static func folded(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.isASCII {
            let byte = UInt8(scalar.value)
            return byte >= 0x41 && byte <= 0x5A ? Unicode.Scalar(byte | 0x20) : scalar
        }
        switch scalar.value {
        case 0x17F: return "s"
        case 0x212A: return "k"
        case 0x130, 0x131: return "i"
        default: break
        }
        let lower = scalar.properties.lowercaseMapping.unicodeScalars
        return lower.count == 1 ? lower.first! : scalar
    }

    /// `scalar` upper-cased when that is one scalar.
    private static func singleScalarUppercase(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        let upper = scalar.properties.uppercaseMapping.unicodeScalars
        return upper.count == 1 ? upper.first : nil
    }
}
