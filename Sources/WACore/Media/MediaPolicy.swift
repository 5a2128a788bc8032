/// Decides whether an organization accepts a file: its type (sniffed from content, reconciled with the declared
/// type), the message kind, the organization's allow-list and the size cap for the kind.
///
/// ```swift
/// let policy = MediaPolicy(allowedTypes: [.jpeg, .png, .pdf])
/// let accepted = try policy.evaluate(
///     prefix: firstBytes, byteCount: length, declaredMIMEType: "image/jpg", kind: nil, fileName: "IMG 1.JPG")
/// // accepted.type == .jpeg, accepted.kind == .image, accepted.fileName == "IMG 1.JPG"
/// ```
///
/// Checks run in this order, and the first failure is thrown: empty file, non-media kind, sniffing (truncated,
/// unsupported), active content (HTML, SVG, scripts: `media_active_content`), declared type against content, kind against type, allow-list, size cap. Then the whole file is
/// checked as it streams (``inspection(of:)``, within ``inspectionLimits``). Storage quota is a separate decision
/// (``MediaQuota``).
public struct MediaPolicy: Sendable, Hashable {
    /// Size caps per message kind.
    public var sizeCaps: MediaSizeCaps
    /// The types the organization accepts (its allow-list). Defaults to every supported type.
    public var allowedTypes: Set<MediaType>
    /// The limits of the whole-file checks: pixels, trailing bytes.
    public var inspectionLimits: MediaInspectionLimits

    public init(
        sizeCaps: MediaSizeCaps = .whatsAppCloudAPI, allowedTypes: Set<MediaType> = Set(MediaType.allCases),
        inspectionLimits: MediaInspectionLimits = .standard
    ) {
        self.sizeCaps = sizeCaps
        self.allowedTypes = allowedTypes
        self.inspectionLimits = inspectionLimits
    }

    /// The whole-file check of an accepted file: feed it every byte, then ``MediaInspection/finish()``.
    public func inspection(of accepted: AcceptedMedia) -> MediaInspection {
        MediaInspection(accepted.sniffed, limits: inspectionLimits)
    }

    /// A policy whose allow-list is given as MIME types (aliases accepted, see ``MediaType/init(mimeType:)``).
    /// Throws ``WAError/Code-swift.enum/mediaUnsupportedType`` (field `allowedMIMETypes`) for a type the gateway
    /// does not support.
    public init(sizeCaps: MediaSizeCaps = .whatsAppCloudAPI, allowedMIMETypes: some Sequence<String>) throws(WAError) {
        var types: Set<MediaType> = []
        for mimeType in allowedMIMETypes {
            guard let type = MediaType(mimeType: mimeType) else {
                throw WAError(
                    .mediaUnsupportedType, "'\(mimeType)' is not a supported media type", field: "allowedMIMETypes")
            }
            types.insert(type)
        }
        self.init(sizeCaps: sizeCaps, allowedTypes: types)
    }

    /// Sniffs `prefix` (see ``MediaSniffer/sniff(_:totalLength:)``) and evaluates the result.
    ///
    /// - Parameters:
    ///   - prefix: the file's first bytes (``MediaSniffer/recommendedPrefixLength`` of them, or all).
    ///   - byteCount: the file's total length.
    ///   - declaredMIMEType: the client's `Content-Type` or declared type; `nil`, empty or
    ///     `application/octet-stream` mean "unknown" and the sniffed type is used.
    ///   - kind: the message kind the client asked for; `nil` picks ``MediaType/defaultKind``.
    ///   - fileName: the client's file name, sanitised into the result.
    public func evaluate(
        prefix: some Collection<UInt8>, byteCount: Int64, declaredMIMEType: String?, kind: Message.Kind?,
        fileName: String?
    ) throws(WAError) -> AcceptedMedia {
        try checkBasics(byteCount: byteCount, kind: kind)
        let sniffed = try MediaSniffer.sniff(prefix, totalLength: byteCount)
        return try evaluate(
            sniffed, byteCount: byteCount, declaredMIMEType: declaredMIMEType, kind: kind, fileName: fileName)
    }

    /// Evaluates an already sniffed file. Parameters as in
    /// ``evaluate(prefix:byteCount:declaredMIMEType:kind:fileName:)``.
    public func evaluate(
        _ sniffed: SniffedMedia, byteCount: Int64, declaredMIMEType: String?, kind: Message.Kind?, fileName: String?
    ) throws(WAError) -> AcceptedMedia {
        try checkBasics(byteCount: byteCount, kind: kind)
        if let active = sniffed.activeContent {
            throw WAError(
                .mediaActiveContent,
                "the file is active content (\(active.rawValue)) that a receiver's viewer may render or run",
                field: "file")
        }
        let type = try Self.reconcile(declaredMIMEType: declaredMIMEType, sniffed: sniffed)
        let kind = kind ?? type.defaultKind
        guard type.permittedKinds.contains(kind) else {
            throw WAError(
                .mediaTypeMismatch, "a \(type.mimeType) file cannot be sent as \(kind.rawValue)", field: "kind")
        }
        if kind == .voice && sniffed.audioCodec != .opus {
            throw WAError(.mediaTypeMismatch, "voice notes must be Ogg Opus audio", field: "kind")
        }
        guard allowedTypes.contains(type) else {
            throw WAError(
                .mediaTypeNotAllowed, "the organization does not accept \(type.mimeType) files", field: "mimeType")
        }
        try checkSize(byteCount: byteCount, kind: kind, animated: sniffed.isAnimated)
        let name: String? =
            if fileName != nil || kind == .document { MediaFileName.sanitize(fileName, type: type) } else { nil }
        return AcceptedMedia(type: type, kind: kind, byteCount: byteCount, fileName: name, sniffed: sniffed)
    }

    /// Checks only the size against the cap for `kind` (for stickers, `animated` picks the cap): use it to refuse
    /// an upload from its announced length before reading it.
    public func checkSize(byteCount: Int64, kind: Message.Kind, animated: Bool = false) throws(WAError) {
        try checkBasics(byteCount: byteCount, kind: kind)
        guard let limit = sizeCaps.limit(for: kind, animated: animated) else { return }
        guard byteCount <= limit else {
            throw WAError(
                .mediaTooLarge,
                "the file has \(byteCount) bytes; \(kind.rawValue) files may have at most \(limit) bytes",
                field: "file")
        }
    }

    /// The type to store for a file whose content was sniffed as `sniffed` and that the client declared as
    /// `declaredMIMEType`, or a typed error when they disagree.
    ///
    /// Equivalences accepted:
    /// - aliases of the same type (`image/jpg` ≡ `image/jpeg`, `audio/x-wav` ≡ `audio/wav`, …; see
    ///   ``MediaType/init(mimeType:)``);
    /// - `audio/opus` ≡ `audio/ogg` whose first stream is Opus (and only then);
    /// - a declared container for a more specific content (`application/zip` for a `.docx`,
    ///   `application/x-ole-storage` for a `.doc`, `text/plain` for CSV): the sniffed type is kept;
    /// - a declared legacy Office type for content sniffed as ``MediaType/oleStorage``, and `text/csv` for content
    ///   sniffed as ``MediaType/plainText``: the declared type is kept (the content cannot contradict it);
    /// - `audio/mp4` for ISO base media sniffed as ``MediaType/mp4`` (audio-only MP4 files often carry
    ///   video brands): `audio/mp4` is kept;
    /// - `application/vnd.ms-excel` for text (Windows browsers declare `.csv` files so): `text/csv` is kept.
    ///
    /// Throws ``WAError/Code-swift.enum/mediaUnsupportedType`` (field `mimeType`) for a declared type the
    /// gateway does not know, and ``WAError/Code-swift.enum/mediaTypeMismatch`` (field `mimeType`) otherwise.
    public static func reconcile(declaredMIMEType: String?, sniffed: SniffedMedia) throws(WAError) -> MediaType {
        let essence = MediaType.essence(of: declaredMIMEType ?? "")
        if essence.isEmpty || essence == "application/octet-stream" || essence == "binary/octet-stream" {
            return sniffed.type
        }
        guard let declared = MediaType(mimeType: essence) else {
            throw WAError(
                .mediaUnsupportedType, "'\(essence)' is not a supported media type", field: "mimeType")
        }
        let mismatch = WAError(
            .mediaTypeMismatch, "the file was declared as \(essence) but its content is \(sniffed.type.mimeType)",
            field: "mimeType")
        if essence == "audio/opus" {
            guard sniffed.type == .ogg, sniffed.audioCodec == .opus else { throw mismatch }
            return .ogg
        }
        let content = sniffed.type
        if declared == content || content.generalization == declared { return content }
        if declared.generalization == content && (content == .oleStorage || content == .plainText) { return declared }
        if declared == .mp4Audio && content == .mp4 { return .mp4Audio }
        if declared == .msExcel && (content == .csv || content == .plainText) { return .csv }
        throw mismatch
    }

    private func checkBasics(byteCount: Int64, kind: Message.Kind?) throws(WAError) {
        guard byteCount >= 0 else { throw WAError.invalid("byteCount", "the byte count must not be negative") }
        guard byteCount > 0 else { throw WAError(.mediaEmpty, "the file is empty", field: "file") }
        if let kind, sizeCaps.limit(for: kind) == nil {
            throw WAError.invalid("kind", "\(kind.rawValue) messages carry no media")
        }
    }
}
