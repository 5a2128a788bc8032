/// A whole-file check of one image format: it reads the image's facts and finds its end.
protocol ImageInspector: FormatInspector {
    /// After the last bytes: the image's facts, or why the file is refused.
    func finish() throws(WAError) -> SniffedMedia.Image
    /// The image's end, and the bytes seen after it.
    var end: FormatEnd { get }
}

extension ImageInspector {
    /// Bytes seen after the format's end marker.
    var trailingByteCount: Int64 { end.trailingByteCount }

    func finish(into media: inout SniffedMedia) throws(WAError) {
        media.image = try finish()
        media.trailingByteCount = trailingByteCount
    }
}
