import Foundation
import HTTPTypes
import WACore

/// The credential a request presents: `Authorization: Bearer <token>` (an API key or a session token) or
/// `X-Api-Key: <key>`.
struct Credential: Sendable {
    /// The token as presented: an API key or a session token.
    var token: String
    /// Whether it came in `X-Api-Key` (which carries API keys only) rather than `Authorization`.
    var fromAPIKeyHeader = false

    /// Reads the credential from `headers`.
    ///
    /// - Throws: `unauthenticated` when there is none, when both headers are present (which one counts would be a
    ///   guess), or when `Authorization` is not a bearer token.
    init(headers: HTTPFields) throws {
        let authorization = headers[values: .authorization]
        let apiKey = headers[values: .apiKey]
        guard authorization.count + apiKey.count == 1 else {
            throw Self.rejected
        }
        if let value = authorization.first {
            let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw Self.rejected }
            token = parts[1].trimmingCharacters(in: .whitespaces)
        } else {
            token = apiKey[0].trimmingCharacters(in: .whitespaces)
            fromAPIKeyHeader = true
        }
        guard !token.isEmpty, token.utf8.count <= 4096 else { throw Self.rejected }
    }

    /// Whether the token is an API key (`wa_…`); anything else is taken for a session token.
    var isAPIKey: Bool { token.hasPrefix("wa_") }

    /// The one answer to every credential that does not authenticate: it never says which part was wrong.
    static let rejected = WAError(.unauthenticated, "valid credentials are required")
}

extension HTTPField.Name {
    /// `X-Api-Key`: an API key, as an alternative to `Authorization: Bearer`.
    static let apiKey = HTTPField.Name("X-Api-Key")!
}
