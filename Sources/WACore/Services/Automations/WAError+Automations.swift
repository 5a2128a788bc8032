extension WAError.Code {
    /// An automation's regular expression does not compile (or is empty or too long).
    public static let invalidRegex: WAError.Code = "invalid_regex"
    /// An automation's business hours are not a valid weekly schedule (weekdays, minutes, opening vs closing).
    public static let invalidBusinessHours: WAError.Code = "invalid_business_hours"
    /// A time zone identifier is not one Foundation knows (use IANA names such as `Europe/Berlin`).
    public static let unknownTimeZone: WAError.Code = "unknown_time_zone"
    /// The member exists but is deactivated, so nothing can be assigned to them.
    public static let memberInactive: WAError.Code = "member_inactive"
    /// A template used by an automation reply has a variable that automations cannot fill in.
    public static let unsupportedTemplateVariable: WAError.Code = "unsupported_template_variable"
}
