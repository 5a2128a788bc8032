/// The limits of the whole-file checks (``MediaInspection``).
public struct MediaInspectionLimits: Sendable, Hashable {
    /// The most pixels an image may decode to: width × height × frames. A small file that decodes to more is a
    /// decompression bomb (a 50 KB PNG can declare 100,000 × 100,000 pixels). Default 100 million: a 12-megapixel
    /// photo is far below it, and so is an animation of 40 frames at 1920 × 1080.
    public var maximumPixels: Int
    /// How many bytes may follow an image's end marker (`IEND`, …). A few bytes of padding are common; more is a
    /// second file riding along (a polyglot that is also HTML, ZIP or script). Default 64.
    public var trailingByteTolerance: Int

    public init(maximumPixels: Int = 100_000_000, trailingByteTolerance: Int = 64) {
        self.maximumPixels = maximumPixels
        self.trailingByteTolerance = trailingByteTolerance
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
