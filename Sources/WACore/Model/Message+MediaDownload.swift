public import Foundation

extension Message {
    /// The media of a received message whose bytes the gateway has not stored yet: a `message.media` job downloads
    /// them through the instance's session, stores them as a ``MediaObject`` and sets ``Message/media``
    /// (`message.media_stored`), or gives up and records why (`message.media_failed`).
    public struct MediaDownload: Sendable, Hashable, Codable {
        /// The media as the session announced it (its handle finds the bytes again).
        public var media: IncomingMedia
        /// Why the download was given up (expired on WhatsApp's servers, the instance unlinked); `nil` while it is
        /// still to come.
        public var failure: String?
        public var failedAt: Date?

        public init(media: IncomingMedia, failure: String? = nil, failedAt: Date? = nil) {
            self.media = media
            self.failure = failure
            self.failedAt = failedAt
        }
    }
}
