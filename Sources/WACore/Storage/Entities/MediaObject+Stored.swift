public import Foundation

extension MediaObject: StoredEntity {
    public static var entityName: String { "media_object" }

    /// Criteria for listing media objects.
    public struct Filter: EntityFilter {
        /// Only objects created before this instant.
        public var createdBefore: Date?

        public init() {}
        public init(createdBefore: Date? = nil) { self.createdBefore = createdBefore }

        public func matches(_ object: MediaObject) -> Bool {
            createdBefore.map { object.createdAt < $0 } ?? true
        }
    }
}
