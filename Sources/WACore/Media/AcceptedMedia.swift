/// A file that passed ``MediaPolicy``: what to store and how to send it.
public struct AcceptedMedia: Sendable, Hashable, Codable {
    /// The type to store and report: the sniffed type, or the declared one when it refines a generic verdict
    /// (a legacy Office type for ``MediaType/oleStorage``, `text/csv` for ``MediaType/plainText``).
    public var type: MediaType
    /// The message kind to send it as.
    public var kind: Message.Kind
    public var byteCount: Int64
    /// The sanitised file name (see ``MediaFileName``): the given one, or a fallback for documents; `nil` for
    /// other kinds sent without a name.
    public var fileName: String?
    /// What the sniffer found.
    public var sniffed: SniffedMedia

    public init(type: MediaType, kind: Message.Kind, byteCount: Int64, fileName: String?, sniffed: SniffedMedia) {
        self.type = type
        self.kind = kind
        self.byteCount = byteCount
        self.fileName = fileName
        self.sniffed = sniffed
    }

    /// The canonical MIME type to store.
    public var mimeType: String { type.mimeType }
}
