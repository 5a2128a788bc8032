/// A typed DevTools command: its parameters are the value itself, its result ``Response``.
///
/// ```swift
/// let version = try await connection.send(CDP.Browser.GetVersion())
/// ```
public protocol CDPCommand: Encodable, Sendable {
    associatedtype Response: Decodable & Sendable
    /// `Domain.method`, e.g. `Runtime.evaluate`.
    static var method: String { get }
}

/// The result of a command that returns nothing of interest (`{}`).
public struct CDPEmptyResponse: Decodable, Sendable, Equatable {
    public init() {}
}
