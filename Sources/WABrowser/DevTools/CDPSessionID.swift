/// A flat-mode DevTools session (`Target.attachToTarget{flatten: true}` returns one); commands that carry it go to
/// that target. Commands without one go to the browser itself.
public struct CDPSessionID: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }
}
