import Foundation
import Testing
import WACore

/// MIME names, aliases, kinds and extensions.
@Suite("Media type")
struct MediaTypeTests {
    @Test("canonical names round-trip and aliases parse")
    func parsing() {
        for type in MediaType.allCases {
            #expect(MediaType(mimeType: type.mimeType) == type)
            #expect(MediaType(mimeType: " \(type.mimeType.uppercased()) ; charset=utf-8") == type)
        }
        let aliases: [String: MediaType] = [
            "image/jpg": .jpeg, "image/pjpeg": .jpeg, "audio/x-wav": .wav, "audio/opus": .ogg,
            "audio/x-m4a": .mp4Audio, "video/x-m4v": .mp4, "audio/x-hx-aac-adts": .aac, "video/3gpp2": .threeGPP,
            "application/x-zip-compressed": .zip, "application/cdfv2": .oleStorage, "text/x-csv": .csv,
        ]
        for (alias, type) in aliases { #expect(MediaType(mimeType: alias) == type, "\(alias)") }
        #expect(MediaType(mimeType: "image/bmp") == nil)
        #expect(MediaType(mimeType: "") == nil)
    }

    @Test("every type may be sent as a document and has its category's default kind")
    func kinds() {
        for type in MediaType.allCases {
            #expect(type.permittedKinds.contains(.document))
            #expect(type.permittedKinds.contains(type.defaultKind))
        }
        #expect(MediaType.webp.permittedKinds.contains(.sticker))
        #expect(MediaType.ogg.permittedKinds.contains(.voice))
        #expect(!MediaType.png.permittedKinds.contains(.sticker))
        #expect(MediaType.msWord.defaultKind == .document && MediaType.quickTime.defaultKind == .video)
    }

    @Test("extensions and generalisations")
    func extensionsAndGeneralisations() {
        for type in MediaType.allCases where type != .oleStorage {
            #expect(!type.fileExtensions.isEmpty)
            #expect(type.fileExtensions.allSatisfy { $0 == $0.lowercased() })
        }
        #expect(MediaType.docx.generalization == .zip && MediaType.msExcel.generalization == .oleStorage)
        #expect(MediaType.csv.generalization == .plainText && MediaType.jpeg.generalization == nil)
    }
}
