extension CDP {
    /// The `Browser` domain.
    public enum Browser {
        /// `Browser.getVersion`: also a liveness check.
        public struct GetVersion: CDPCommand {
            public static let method = "Browser.getVersion"
            public init() {}

            public struct Response: Decodable, Sendable {
                public var protocolVersion: String
                /// `Chrome/156.0.8078.108`.
                public var product: String
                public var revision: String
                /// The browser's own user agent (it says `HeadlessChrome` in headless mode).
                public var userAgent: String
                public var jsVersion: String
            }
        }

        /// `Browser.close`: closes the browser gracefully. Send it with ``CDPConnection/post(method:params:session:)``:
        /// the connection usually ends before an answer arrives.
        public static let closeMethod = "Browser.close"
    }
}
