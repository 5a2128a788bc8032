/// The limits of the whole-file checks (``MediaInspection``).
public struct MediaInspectionLimits: Sendable, Hashable {
    /// The most pixels an image may decode to: width × height × frames. A small file that decodes to more is a
    /// decompression bomb (a 50 KB PNG can declare 100,000 × 100,000 pixels). Default 100 million: a 12-megapixel
    /// photo is far below it, and so is an animation of 40 frames at 1920 × 1080.
    public var maximumPixels: Int
    /// How many bytes may follow an image's end marker (`IEND`, …). A few bytes of padding are common; more is a
    /// second file riding along (a polyglot that is also HTML, ZIP or script). Default 64.
    public var trailingByteTolerance: Int
    /// The most entries (files and folders) an archive may hold. Default 10,000.
    public var maximumArchiveEntries: Int
    /// The most bytes an archive's entries may declare in total, uncompressed. Default 1 GiB.
    public var maximumUncompressedBytes: Int64
    /// The highest compression ratio (declared uncompressed ÷ compressed bytes) of an archive entry that declares
    /// more than ``compressionRatioFloor`` bytes. Default 100, as Apache POI's: text and XML compress 5 to 20
    /// times, and deflate's ceiling is about 1,032.
    public var maximumCompressionRatio: Int

    /// Entries that declare at most this many uncompressed bytes (1 MiB) are never judged by their ratio: a small
    /// file of one repeated byte is harmless.
    public static let compressionRatioFloor: Int64 = 1 << 20

    public init(
        maximumPixels: Int = 100_000_000, trailingByteTolerance: Int = 64, maximumArchiveEntries: Int = 10_000,
        maximumUncompressedBytes: Int64 = 1 << 30, maximumCompressionRatio: Int = 100
    ) {
        self.maximumPixels = maximumPixels
        self.trailingByteTolerance = trailingByteTolerance
        self.maximumArchiveEntries = maximumArchiveEntries
        self.maximumUncompressedBytes = maximumUncompressedBytes
        self.maximumCompressionRatio = maximumCompressionRatio
    }

    /// The defaults.
    public static let standard = MediaInspectionLimits()

    /// Throws ``WAError/Code-swift.enum/mediaDecompressionBomb`` when `width × height × frames` exceeds
    /// ``maximumPixels``.
    func checkPixels(width: Int, height: Int, frames: Int, format: String) throws(WAError) {
        let (area, overflow) = width.multipliedReportingOverflow(by: height)
        let (total, overflowFrames) = area.multipliedReportingOverflow(by: max(1, frames))
        guard !overflow, !overflowFrames, total <= maximumPixels else {
            throw WAError(
                .mediaDecompressionBomb,
                "the \(format) decodes to \(width) × \(height) pixels × \(max(1, frames)) frames, over the limit of \(maximumPixels) pixels",
                field: "file")
        }
    }
}
