extension CDP {
    /// The `Fetch` domain: pausing requests to answer, fail or let them through, and answering authentication
    /// challenges (a proxy's credentials are given here, never on the command line).
    public enum Fetch {
        /// Which requests pause.
        public struct RequestPattern: Encodable, Sendable {
            public var urlPattern: String
            public init(urlPattern: String = "*") { self.urlPattern = urlPattern }
        }

        /// `Fetch.enable`. The patterns must not be empty when `handleAuthRequests` is set (-32602).
        public struct Enable: CDPCommand {
            public static let method = "Fetch.enable"
            public typealias Response = CDPEmptyResponse
            public var patterns: [RequestPattern]
            public var handleAuthRequests: Bool
            public init(patterns: [RequestPattern] = [RequestPattern()], handleAuthRequests: Bool = false) {
                self.patterns = patterns
                self.handleAuthRequests = handleAuthRequests
            }
        }

        /// `Fetch.disable`.
        public struct Disable: CDPCommand {
            public static let method = "Fetch.disable"
            public typealias Response = CDPEmptyResponse
            public init() {}
        }

        /// `Fetch.continueRequest`: lets a paused request go on unchanged.
        public struct ContinueRequest: CDPCommand {
            public static let method = "Fetch.continueRequest"
            public typealias Response = CDPEmptyResponse
            public var requestId: String
            public init(requestId: String) { self.requestId = requestId }
        }

        /// `Fetch.failRequest`; `errorReason` is one of the protocol's `Network.ErrorReason`s (`Failed`,
        /// `InternetDisconnected`, `BlockedByClient`, …).
        public struct FailRequest: CDPCommand {
            public static let method = "Fetch.failRequest"
            public typealias Response = CDPEmptyResponse
            public var requestId: String
            public var errorReason: String
            public init(requestId: String, errorReason: String) {
                self.requestId = requestId
                self.errorReason = errorReason
            }
        }

        /// A response header.
        public struct HeaderEntry: Codable, Sendable, Equatable {
            public var name: String
            public var value: String
            public init(name: String, value: String) {
                self.name = name
                self.value = value
            }
        }

        /// `Fetch.fulfillRequest`: answers a paused request without the network.
        public struct FulfillRequest: CDPCommand {
            public static let method = "Fetch.fulfillRequest"
            public typealias Response = CDPEmptyResponse
            public var requestId: String
            public var responseCode: Int
            public var responseHeaders: [HeaderEntry]
            /// Base64.
            public var body: String
            public init(requestId: String, responseCode: Int, responseHeaders: [HeaderEntry], body: String) {
                self.requestId = requestId
                self.responseCode = responseCode
                self.responseHeaders = responseHeaders
                self.body = body
            }
        }

        /// The answer to an authentication challenge.
        public struct AuthChallengeResponse: Encodable, Sendable {
            /// `Default`, `CancelAuth` or `ProvideCredentials`.
            public var response: String
            public var username: String?
            public var password: String?
            public init(response: String, username: String? = nil, password: String? = nil) {
                self.response = response
                self.username = username
                self.password = password
            }
        }

        /// `Fetch.continueWithAuth`.
        public struct ContinueWithAuth: CDPCommand {
            public static let method = "Fetch.continueWithAuth"
            public typealias Response = CDPEmptyResponse
            public var requestId: String
            public var authChallengeResponse: AuthChallengeResponse
            public init(requestId: String, authChallengeResponse: AuthChallengeResponse) {
                self.requestId = requestId
                self.authChallengeResponse = authChallengeResponse
            }
        }

        /// The request part of `Fetch.requestPaused` and `Fetch.authRequired`.
        public struct Request: Decodable, Sendable {
            public var url: String
            public var method: String
            public var headers: [String: String]
        }

        /// Parameters of `Fetch.requestPaused`.
        public struct RequestPaused: Decodable, Sendable {
            public var requestId: String
            public var request: Request
            public var frameId: String?
            public var resourceType: String?
            /// Set when the request paused at the response stage.
            public var responseStatusCode: Int?
        }

        /// An authentication challenge.
        public struct AuthChallenge: Decodable, Sendable {
            /// `Server` or `Proxy`.
            public var source: String?
            public var origin: String
            public var scheme: String
            public var realm: String
        }

        /// Parameters of `Fetch.authRequired`.
        public struct AuthRequired: Decodable, Sendable {
            public var requestId: String
            public var request: Request
            public var authChallenge: AuthChallenge
        }
    }
}
