/// Error codes raised by the media checks (``MediaSniffer``, ``MediaPolicy``, ``MediaQuota``).
extension WAError.Code {
    /// The file's content is not a format the gateway accepts (or the declared MIME type is unknown).
    public static let mediaUnsupportedType: WAError.Code = "media_unsupported_type"
    /// The declared MIME type (or message kind) does not match what the content is.
    public static let mediaTypeMismatch: WAError.Code = "media_type_mismatch"
    /// The file is larger than the cap for its message kind.
    public static let mediaTooLarge: WAError.Code = "media_too_large"
    /// The file has no bytes.
    public static let mediaEmpty: WAError.Code = "media_empty"
    /// The file ends (or the bytes passed end) inside the header that identifies its format.
    public static let mediaTruncatedHeader: WAError.Code = "media_truncated_header"
    /// Storing the file would exceed the organization's media storage quota.
    public static let mediaOverQuota: WAError.Code = "media_over_quota"
    /// The organization's allow-list does not include the file's type.
    public static let mediaTypeNotAllowed: WAError.Code = "media_type_not_allowed"
}
