extension CDP {
    /// The `Target` domain: pages, browser contexts and flat sessions.
    public enum Target {
        /// What a target is, as `Target.getTargets` and the target events describe it.
        public struct TargetInfo: Decodable, Sendable {
            public var targetId: String
            /// `page`, `iframe`, `worker`, `service_worker`, `browser`, `browser_ui`, …
            public var type: String
            public var title: String
            public var url: String
            public var attached: Bool
            public var browserContextId: String?
        }

        /// `Target.setDiscoverTargets`: target created/changed/destroyed/crashed events on the browser session.
        public struct SetDiscoverTargets: CDPCommand {
            public static let method = "Target.setDiscoverTargets"
            public typealias Response = CDPEmptyResponse
            public var discover: Bool
            public init(discover: Bool = true) { self.discover = discover }
        }

        /// `Target.createBrowserContext`: an incognito-like context (storage in memory, gone when disposed).
        public struct CreateBrowserContext: CDPCommand {
            public static let method = "Target.createBrowserContext"
            public var disposeOnDetach: Bool?
            public var proxyServer: String?
            public var proxyBypassList: String?
            public init(disposeOnDetach: Bool? = nil, proxyServer: String? = nil, proxyBypassList: String? = nil) {
                self.disposeOnDetach = disposeOnDetach
                self.proxyServer = proxyServer
                self.proxyBypassList = proxyBypassList
            }

            public struct Response: Decodable, Sendable {
                public var browserContextId: String
            }
        }

        /// `Target.disposeBrowserContext`.
        public struct DisposeBrowserContext: CDPCommand {
            public static let method = "Target.disposeBrowserContext"
            public typealias Response = CDPEmptyResponse
            public var browserContextId: String
            public init(browserContextId: String) { self.browserContextId = browserContextId }
        }

        /// `Target.createTarget`: a new page (tab).
        public struct CreateTarget: CDPCommand {
            public static let method = "Target.createTarget"
            public var url: String
            public var browserContextId: String?
            public var width: Int?
            public var height: Int?
            public init(url: String = "about:blank", browserContextId: String? = nil, width: Int? = nil, height: Int? = nil) {
                self.url = url
                self.browserContextId = browserContextId
                self.width = width
                self.height = height
            }

            public struct Response: Decodable, Sendable {
                public var targetId: String
            }
        }

        /// `Target.attachToTarget` in flat mode: the answer's session id addresses the target directly.
        public struct AttachToTarget: CDPCommand {
            public static let method = "Target.attachToTarget"
            public var targetId: String
            public var flatten: Bool
            public init(targetId: String) {
                self.targetId = targetId
                flatten = true
            }

            public struct Response: Decodable, Sendable {
                public var sessionId: CDPSessionID
            }
        }

        /// `Target.closeTarget`.
        public struct CloseTarget: CDPCommand {
            public static let method = "Target.closeTarget"
            public typealias Response = CDPEmptyResponse
            public var targetId: String
            public init(targetId: String) { self.targetId = targetId }
        }

        /// `Target.getTargets`.
        public struct GetTargets: CDPCommand {
            public static let method = "Target.getTargets"
            public init() {}

            public struct Response: Decodable, Sendable {
                public var targetInfos: [TargetInfo]
            }
        }

        /// Parameters of `Target.targetCrashed` (with ``SetDiscoverTargets``).
        public struct TargetCrashed: Decodable, Sendable {
            public var targetId: String
            public var status: String
            public var errorCode: Int
        }
    }
}

extension CDPSessionID: Decodable {
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }
}
