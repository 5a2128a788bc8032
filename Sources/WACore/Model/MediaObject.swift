public import Foundation

/// A stored media file (the metadata; bytes live in the media store).
public struct MediaObject: Sendable, Hashable, Codable {
    public var id: MediaObjectID
    public var organizationID: OrganizationID
    /// The MIME type established by content sniffing.
    public var mimeType: String
    public var kind: Message.Kind
    public var byteCount: Int64
    /// Hex SHA-256 of the bytes.
    public var sha256: String
    /// A sanitised file name for documents.
    public var fileName: String?
    public var createdAt: Date
    public var version: Int

    public init(
        id: MediaObjectID, organizationID: OrganizationID, mimeType: String, kind: Message.Kind, byteCount: Int64,
        sha256: String, fileName: String? = nil, createdAt: Date, version: Int = 0
    ) {
        self.id = id
        self.organizationID = organizationID
        self.mimeType = mimeType
        self.kind = kind
        self.byteCount = byteCount
        self.sha256 = sha256
        self.fileName = fileName
        self.createdAt = createdAt
        self.version = version
    }
}
