/// One HTTP header, as WACore hands it to the adapter that sends the request.
public struct HTTPHeaderField: Sendable, Hashable {
    /// The header name (lowercase for the Standard Webhooks headers).
    public var name: String
    /// The header value.
    public var value: String

    /// A header `name: value`.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
