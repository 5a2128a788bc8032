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

    public init(defaultLimit: Int = 1 << 20, perOperation: [String: Int] = [:]) {
        self.defaultLimit = defaultLimit
        self.perOperation = perOperation
    }

    /// The limit for `operationID`.
    public func limit(for operationID: String) -> Int {
        perOperation[operationID] ?? defaultLimit
    }
}
