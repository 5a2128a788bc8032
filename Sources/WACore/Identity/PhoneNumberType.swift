/// What kind of line a phone number is, as libphonenumber's `PhoneNumberType` says (``PhoneNumber/type``).
public enum PhoneNumberType: String, Sendable, Hashable, Codable, CaseIterable {
    case fixedLine = "fixed_line"
    case mobile
    /// The region's fixed-line and mobile numbers cannot be told apart (the US, Canada, China …).
    case fixedLineOrMobile = "fixed_line_or_mobile"
    case tollFree = "toll_free"
    case premiumRate = "premium_rate"
    /// The cost is split between caller and receiver.
    case sharedCost = "shared_cost"
    case voip
    /// A number that follows its owner to other lines (UK `070`).
    case personalNumber = "personal_number"
    case pager
    /// A universal access number: a company's number routed to its offices.
    case uan
    case voicemail
    /// Matches no number range of its region: the number is not valid.
    case unknown
}

/// How strictly ``PhoneNumber`` judges a number it parses.
public enum PhoneNumberValidation: Sendable, Hashable {
    /// The number must be valid as libphonenumber's `is_valid_number` says: its length is possible and it falls in a
    /// number range of its region (by type). The default.
    case valid
    /// A possible length is enough (libphonenumber's `is_possible_number`, local-only lengths excluded): for data
    /// that was already accepted (a stored number, a number WhatsApp reports) and for imports that want to report
    /// possible-but-invalid numbers (``PhoneNumber/isValid``) rather than drop them.
    case possible
}

extension PhoneNumberMetadata {
    /// The type of a national significant number in this region (libphonenumber's `getNumberTypeHelper`): the
    /// general pattern first, then premium rate, toll free, shared cost, VoIP, personal, pager, UAN and voicemail,
    /// then fixed line and mobile.
    func numberType(_ national: [UInt8]) -> PhoneNumberType {
        guard general.matches(national) else { return .unknown }
        if premiumRate?.matches(national) == true { return .premiumRate }
        if tollFree?.matches(national) == true { return .tollFree }
        if sharedCost?.matches(national) == true { return .sharedCost }
        if voip?.matches(national) == true { return .voip }
        if personalNumber?.matches(national) == true { return .personalNumber }
        if pager?.matches(national) == true { return .pager }
        if uan?.matches(national) == true { return .uan }
        if voicemail?.matches(national) == true { return .voicemail }
        if fixedLine?.matches(national) == true {
            if sameMobileAndFixedLinePattern || mobile?.matches(national) == true { return .fixedLineOrMobile }
            return .fixedLine
        }
        if !sameMobileAndFixedLinePattern, mobile?.matches(national) == true { return .mobile }
        return .unknown
    }

    /// The entry a number belongs to (libphonenumber's `getRegionCodeForNumber`): the only one of its calling code,
    /// or the first whose leading digits start it or, for one without leading digits, in which it is valid.
    static func region(countryCode: Int, national: [UInt8]) -> PhoneNumberMetadata? {
        guard let entries = entries(forCountryCode: countryCode) else { return nil }
        if entries.count == 1 { return entries[0] }
        for entry in entries {
            if !entry.leadingDigits.isEmpty {
                if entry.leadingDigits.prefixMatchLength(national) != nil { return entry }
            } else if entry.numberType(national) != .unknown {
                return entry
            }
        }
        return nil
    }
}

extension PhoneNumberMetadata {
    /// Every pattern of the entry (for tests and benchmarks).
    var patterns: [PhonePattern] {
        [internationalPrefix, nationalPrefixForParsing, leadingDigits, general.pattern]
            + [premiumRate, tollFree, sharedCost, voip, personalNumber, pager, uan, voicemail, fixedLine, mobile]
            .compactMap { $0?.pattern }
    }
}
