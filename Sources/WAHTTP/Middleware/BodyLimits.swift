import WACore

/// How large a request body each operation accepts.
///
/// JSON operations take ``defaultLimit`` (1 MiB); operations that take files name their own limit in
/// ``perOperation`` (by OpenAPI operation id). A body over its limit is refused with 413 `request_too_large`:
/// before a byte is read when its `Content-Length` says so, and as soon as the limit is passed when it is
/// streamed without one.
public struct BodyLimits: Sendable, Hashable {
    /// The limit of operations that do not name one.
    public var defaultLimit: Int
    /// Limits by operation id.
    public var perOperation: [String: Int]

    /// The operations that take files and their limits: media uploads take the largest file a message may carry
    /// (a document, ``MediaSizeCaps/whatsAppCloudAPI``); the media policy then applies the cap of the file's kind.
    public static let fileOperations: [String: Int] = [
        "uploadMedia": Int(MediaSizeCaps.whatsAppCloudAPI.document)
    ]

    public init(defaultLimit: Int = 1 << 20, perOperation: [String: Int] = BodyLimits.fileOperations) {
        self.defaultLimit = defaultLimit
        self.perOperation = perOperation
    }

    /// The limit for `operationID`.
    public func limit(for operationID: String) -> Int {
        perOperation[operationID] ?? defaultLimit
    }
}
