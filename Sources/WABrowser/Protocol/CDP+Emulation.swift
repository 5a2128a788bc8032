extension CDP {
    /// The `Emulation` domain: what the page believes about its browser and place.
    public enum Emulation {
        /// A brand in client hints (`navigator.userAgentData.brands`).
        public struct Brand: Codable, Sendable, Equatable {
            public var brand: String
            public var version: String
            public init(brand: String, version: String) {
                self.brand = brand
                self.version = version
            }
        }

        /// Client hints to go with a user agent; without them `navigator.userAgentData` gives itself away (empty
        /// brands and platform).
        public struct UserAgentMetadata: Encodable, Sendable, Equatable {
            public var brands: [Brand]
            public var fullVersionList: [Brand]?
            public var platform: String
            public var platformVersion: String
            public var architecture: String
            public var model: String
            public var mobile: Bool
            public var bitness: String?
            public init(brands: [Brand], fullVersionList: [Brand]? = nil, platform: String, platformVersion: String,
                        architecture: String, model: String = "", mobile: Bool = false, bitness: String? = nil) {
                self.brands = brands
                self.fullVersionList = fullVersionList
                self.platform = platform
                self.platformVersion = platformVersion
                self.architecture = architecture
                self.model = model
                self.mobile = mobile
                self.bitness = bitness
            }
        }

        /// `Emulation.setUserAgentOverride`.
        public struct SetUserAgentOverride: CDPCommand {
            public static let method = "Emulation.setUserAgentOverride"
            public typealias Response = CDPEmptyResponse
            public var userAgent: String
            /// Languages without q-values (`pt-BR,pt`); Chromium adds them to the header.
            public var acceptLanguage: String?
            /// `navigator.platform`, e.g. `Linux x86_64`.
            public var platform: String?
            public var userAgentMetadata: UserAgentMetadata?
            public init(userAgent: String, acceptLanguage: String? = nil, platform: String? = nil,
                        userAgentMetadata: UserAgentMetadata? = nil) {
                self.userAgent = userAgent
                self.acceptLanguage = acceptLanguage
                self.platform = platform
                self.userAgentMetadata = userAgentMetadata
            }
        }

        /// `Emulation.setTimezoneOverride` (an IANA name).
        public struct SetTimezoneOverride: CDPCommand {
            public static let method = "Emulation.setTimezoneOverride"
            public typealias Response = CDPEmptyResponse
            public var timezoneId: String
            public init(timezoneId: String) { self.timezoneId = timezoneId }
        }

        /// `Emulation.setLocaleOverride` (an ICU locale such as `pt_BR` or `de-DE`).
        public struct SetLocaleOverride: CDPCommand {
            public static let method = "Emulation.setLocaleOverride"
            public typealias Response = CDPEmptyResponse
            public var locale: String
            public init(locale: String) { self.locale = locale }
        }
    }
}
