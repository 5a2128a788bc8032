import Foundation
import WACore
import WAOpenAPI

extension Components.Schemas.MediaObject {
    init(_ object: MediaObject) {
        self.init(
            id: object.id.description, mimeType: object.mimeType, kind: .init(object.kind),
            byteCount: object.byteCount, sha256: object.sha256, fileName: object.fileName,
            createdAt: object.createdAt)
    }
}

extension Components.Schemas.MediaUsage {
    init(_ usage: MediaService.Usage) {
        self.init(usedBytes: usage.usedBytes, limitBytes: usage.limitBytes, availableBytes: usage.availableBytes)
    }
}

/// A `Range` request header of a media download (RFC 9110 §14.1.2): one byte range, resolved against the file's
/// size.
enum MediaByteRange: Equatable {
    /// `bytes=first-last` (`last` inclusive) or `bytes=first-` (`last` nil).
    case from(Int64, through: Int64?)
    /// `bytes=-n`: the last `n` bytes.
    case suffix(Int64)

    /// The range a header asks for; `nil` (serve the whole file) for anything but one well-formed byte range, as
    /// RFC 9110 lets a server ignore the header.
    init?(header: String?) {
        guard let header else { return nil }
        let value = header.trimmingCharacters(in: .whitespaces)
        guard value.lowercased().hasPrefix("bytes=") else { return nil }
        let spec = value.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        let digits = { (text: String) in !text.isEmpty && text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber) }
        if first.isEmpty {
            guard digits(last), let n = Int64(last) else { return nil }
            self = .suffix(n)
        } else {
            guard digits(first), let start = Int64(first) else { return nil }
            if last.isEmpty {
                self = .from(start, through: nil)
            } else {
                guard digits(last), let end = Int64(last), end >= start else { return nil }
                self = .from(start, through: end)
            }
        }
    }

    /// The bytes to send of a file of `size` bytes, or `nil` when the range is unsatisfiable (it starts at or past
    /// the end, or is an empty suffix).
    func resolved(size: Int64) -> Range<Int64>? {
        switch self {
        case .from(let start, let end):
            guard start < size else { return nil }
            return start..<(min(end ?? (size - 1), size - 1) + 1)
        case .suffix(let n):
            guard n > 0, size > 0 else { return nil }
            return max(0, size - n)..<size
        }
    }
}

/// A requested range the file cannot satisfy (HTTP 416), with the file's size for `Content-Range: bytes */size`.
struct UnsatisfiableRange: Error {
    let size: Int64
}

enum MediaHeaders {
    /// `Content-Disposition` of a download: `attachment`, with the stored (already sanitised) file name as an
    /// ASCII `filename` and, when it has other characters, an RFC 8187 `filename*`.
    static func contentDisposition(fileName: String?) -> String {
        guard let fileName, !fileName.isEmpty else { return "attachment" }
        let ascii = String(
            String.UnicodeScalarView(
                fileName.unicodeScalars.map { scalar in
                    scalar.isASCII && scalar.value >= 0x20 && scalar.value != 0x7F && scalar != "\"" && scalar != "\\"
                        ? scalar : "_"
                }))
        var value = #"attachment; filename="\#(ascii)""#
        if ascii != fileName {
            let allowed = CharacterSet(
                charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~")
            let encoded = fileName.addingPercentEncoding(withAllowedCharacters: allowed) ?? ascii
            value += "; filename*=UTF-8''\(encoded)"
        }
        return value
    }
}
