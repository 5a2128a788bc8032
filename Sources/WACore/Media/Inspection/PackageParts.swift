/// The parts of a zip that decide whether it is the Office Open XML or OpenDocument type it was sniffed as
/// (``ZipInspector`` notes each central entry's name).
struct PackageParts {
    /// The names that matter, compared case-insensitively (Office Open XML part names are).
    private enum Part: Int, CaseIterable {
        case contentTypes, wordDocument, excelWorkbook, powerPointPresentation, openDocumentManifest

        var name: [UInt8] {
            switch self {
            case .contentTypes: Array("[content_types].xml".utf8)
            case .wordDocument: Array("word/document.xml".utf8)
            case .excelWorkbook: Array("xl/workbook.xml".utf8)
            case .powerPointPresentation: Array("ppt/presentation.xml".utf8)
            case .openDocumentManifest: Array("meta-inf/manifest.xml".utf8)
            }
        }

        static let names: [(Part, [UInt8])] = allCases.map { ($0, $0.name) }
    }

    private static let macros = Array("vbaproject.bin".utf8)

    private var found: Set<Int> = []
    private var hasMacros = false

    /// Notes one entry's name.
    mutating func note(_ name: ArraySlice<UInt8>) {
        for (part, lowercased) in Part.names where Self.equalsIgnoringCase(name, lowercased) {
            found.insert(part.rawValue)
        }
        let last = name.lastIndex(of: UInt8(ascii: "/")).map { name[($0 + 1)...] } ?? name
        if Self.equalsIgnoringCase(last, Self.macros) { hasMacros = true }
    }

    /// Throws `media_malformed` when the parts noted do not make a `type` package.
    func check(_ type: MediaType) throws(WAError) {
        let required: [Part]
        switch type {
        case .docx: required = [.contentTypes, .wordDocument]
        case .xlsx: required = [.contentTypes, .excelWorkbook]
        case .pptx: required = [.contentTypes, .powerPointPresentation]
        case .openDocumentText, .openDocumentSpreadsheet, .openDocumentPresentation:
            required = [.openDocumentManifest]
        default: return
        }
        for part in required where !found.contains(part.rawValue) {
            throw WAError(
                .mediaMalformed, "the \(type.mimeType) document has no '\(String(decoding: part.name, as: UTF8.self))' part",
                field: "file")
        }
        if hasMacros && [.docx, .xlsx, .pptx].contains(type) {
            throw WAError(
                .mediaMalformed,
                "the \(type.mimeType) document carries macros (vbaProject.bin), which only macro-enabled types hold",
                field: "file")
        }
    }

    private static func equalsIgnoringCase(_ name: ArraySlice<UInt8>, _ lowercased: [UInt8]) -> Bool {
        name.count == lowercased.count
            && zip(name, lowercased).allSatisfy { pair in
                let byte = pair.0
                return (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) == pair.1
            }
    }
}
