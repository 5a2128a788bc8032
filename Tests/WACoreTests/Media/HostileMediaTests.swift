import Foundation
import Testing
import WACore

/// The hostile half of the corpus (`scripts/make-hostile-media.py`): every file is refused with the code its manifest
/// names, however its bytes arrive; the benign half is accepted whole.
@Suite("Hostile media")
struct HostileMediaTests {
    @Test("the hostile manifest covers every refusal and every inspected family")
    func manifestCoversEveryRefusal() {
        let samples = MediaCorpus.hostileSamples
        #expect(samples.count >= 30)
        let codes = Set(samples.map(\.expectedCode))
        let required: Set<WAError.Code> = [
            .mediaDecompressionBomb, .mediaTruncated, .mediaMalformed, .mediaTrailingData, .mediaUnsafePath,
            .mediaActiveContent,
        ]
        #expect(codes == Set(required.map(\.rawValue)))
        let extensions = Set(samples.map { $0.name.split(separator: ".").last.map(String.init) ?? "" })
        #expect(extensions.isSuperset(of: ["png", "gif", "jpg", "webp", "zip", "docx", "odt", "html", "svg", "txt"]))
    }

    @Test("each hostile file is refused with its code, whole or in pieces", arguments: MediaCorpus.hostileSamples)
    func refused(sample: MediaCorpus.HostileSample) throws {
        let bytes = try sample.contents()
        for step in [nil, 1, 4093] {
            do {
                let accepted = try MediaCorpus.accept(bytes, fileName: sample.name, step: step)
                Issue.record("\(sample.name) (\(sample.what)) was accepted as \(accepted.sniffed)")
            } catch let error as WAError {
                #expect(
                    error.code.rawValue == sample.expectedCode,
                    "\(sample.name) (\(sample.what)), step \(step.map(String.init) ?? "whole"): \(error)")
            }
        }
    }

    @Test("each benign sample passes the policy and the whole-file inspection", arguments: MediaCorpus.samples)
    func benignAccepted(sample: MediaCorpus.Sample) throws {
        let bytes = try sample.contents()
        for step in [nil, 1, 4093] {
            let accepted = try MediaCorpus.accept(bytes, fileName: sample.name, step: step)
            // A 64 KiB prefix may show only the OLE container of a legacy Office file (LibreOffice's .ppt).
            #expect(
                accepted.type == sample.expected
                    || (accepted.type == .oleStorage && sample.expected.generalization == .oleStorage))
            switch sample.expected {
            case .zip, .docx, .xlsx, .pptx, .openDocumentText, .openDocumentSpreadsheet, .openDocumentPresentation:
                let archive = try #require(accepted.sniffed.archive)
                #expect(archive.entryCount > 0 && archive.entryCount <= 200)
                #expect(accepted.sniffed.trailingByteCount == 0)
            case .plainText, .csv:
                #expect(accepted.sniffed.textEncoding == (sample.name.contains("utf16") ? .utf16LittleEndian : .utf8))
            case .png, .gif, .jpeg, .webp:
                #expect(accepted.sniffed.image != nil)
            default:
                break
            }
        }
    }
}
