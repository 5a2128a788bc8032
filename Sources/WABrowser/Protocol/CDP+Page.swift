extension CDP {
    /// The `Page` domain.
    public enum Page {
        /// `Page.enable`: page events on the session.
        public struct Enable: CDPCommand {
            public static let method = "Page.enable"
            public typealias Response = CDPEmptyResponse
            public init() {}
        }

        /// `Page.setLifecycleEventsEnabled`: `Page.lifecycleEvent` for every load milestone of every frame.
        public struct SetLifecycleEventsEnabled: CDPCommand {
            public static let method = "Page.setLifecycleEventsEnabled"
            public typealias Response = CDPEmptyResponse
            public var enabled: Bool
            public init(enabled: Bool = true) { self.enabled = enabled }
        }

        /// `Page.navigate`.
        public struct Navigate: CDPCommand {
            public static let method = "Page.navigate"
            public var url: String
            public var referrer: String?
            public init(url: String, referrer: String? = nil) {
                self.url = url
                self.referrer = referrer
            }

            public struct Response: Decodable, Sendable {
                public var frameId: String
                /// Absent for a navigation within the same document.
                public var loaderId: String?
                /// Set when the navigation failed (`net::ERR_…`).
                public var errorText: String?
            }
        }

        /// `Page.reload`.
        public struct Reload: CDPCommand {
            public static let method = "Page.reload"
            public typealias Response = CDPEmptyResponse
            public var ignoreCache: Bool?
            public init(ignoreCache: Bool? = nil) { self.ignoreCache = ignoreCache }
        }

        /// `Page.addScriptToEvaluateOnNewDocument`: runs `source` in every new document before the page's scripts.
        public struct AddScriptToEvaluateOnNewDocument: CDPCommand {
            public static let method = "Page.addScriptToEvaluateOnNewDocument"
            public var source: String
            public var worldName: String?
            public var runImmediately: Bool?
            public init(source: String, worldName: String? = nil, runImmediately: Bool? = nil) {
                self.source = source
                self.worldName = worldName
                self.runImmediately = runImmediately
            }

            public struct Response: Decodable, Sendable {
                public var identifier: String
            }
        }

        /// `Page.removeScriptToEvaluateOnNewDocument`.
        public struct RemoveScriptToEvaluateOnNewDocument: CDPCommand {
            public static let method = "Page.removeScriptToEvaluateOnNewDocument"
            public typealias Response = CDPEmptyResponse
            public var identifier: String
            public init(identifier: String) { self.identifier = identifier }
        }

        /// A rectangle of the page in CSS pixels.
        public struct Viewport: Encodable, Sendable, Equatable {
            public var x: Double
            public var y: Double
            public var width: Double
            public var height: Double
            public var scale: Double
            public init(x: Double, y: Double, width: Double, height: Double, scale: Double = 1) {
                self.x = x
                self.y = y
                self.width = width
                self.height = height
                self.scale = scale
            }
        }

        /// `Page.captureScreenshot`.
        public struct CaptureScreenshot: CDPCommand {
            public static let method = "Page.captureScreenshot"
            public var format: String
            public var clip: Viewport?
            public var captureBeyondViewport: Bool?
            public init(format: String = "png", clip: Viewport? = nil, captureBeyondViewport: Bool? = nil) {
                self.format = format
                self.clip = clip
                self.captureBeyondViewport = captureBeyondViewport
            }

            public struct Response: Decodable, Sendable {
                /// Base64.
                public var data: String
            }
        }

        /// `Page.crash`: crashes the renderer (for tests of crash handling). Never answered: send it with
        /// ``CDPConnection/post(method:params:session:)``.
        public static let crashMethod = "Page.crash"

        /// Parameters of `Page.lifecycleEvent`.
        public struct LifecycleEvent: Decodable, Sendable {
            public var frameId: String
            public var loaderId: String
            /// `init`, `DOMContentLoaded`, `load`, `networkAlmostIdle`, `networkIdle`, …
            public var name: String
        }

        /// Parameters of `Page.frameNavigated`.
        public struct FrameNavigated: Decodable, Sendable {
            public struct Frame: Decodable, Sendable {
                public var id: String
                public var parentId: String?
                public var loaderId: String
                public var url: String
            }

            public var frame: Frame
        }
    }
}
