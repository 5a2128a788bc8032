/// Maps ISO base media file format brands (the `ftyp` box) to media types.
enum ISOBaseMediaBrand {
    /// What an `ftyp` box says, given its major brand and compatible brands (four bytes each).
    ///
    /// A known major brand decides. Otherwise the compatible brands are consulted in order, unless one of them
    /// marks a still-image format (HEIF, AVIF, JPEG 2000, Canon raw), which the gateway does not accept.
    static func type(major: ArraySlice<UInt8>, compatible: [ArraySlice<UInt8>]) -> MediaType? {
        let majorBrand = String(decoding: major, as: UTF8.self)
        if stillImageBrands.contains(majorBrand) { return nil }
        if let type = type(of: majorBrand) { return type }
        let brands = compatible.map { String(decoding: $0, as: UTF8.self) }
        if brands.contains(where: stillImageBrands.contains) { return nil }
        return brands.lazy.compactMap(type(of:)).first
    }

    static func type(of brand: String) -> MediaType? {
        if let type = exact[brand] { return type }
        // 3GPP release brands: 3gp4…3gp9, 3gg6, 3gs7, 3gr6, 3ge7 …; 3GPP2: 3g2a, 3g2b, 3g2c.
        if brand.hasPrefix("3g") { return .threeGPP }
        return nil
    }

    static let exact: [String: MediaType] = [
        "isom": .mp4, "iso2": .mp4, "iso3": .mp4, "iso4": .mp4, "iso5": .mp4, "iso6": .mp4, "iso7": .mp4,
        "iso8": .mp4, "iso9": .mp4, "mp41": .mp4, "mp42": .mp4, "mp71": .mp4, "avc1": .mp4, "dash": .mp4,
        "MSNV": .mp4, "NDAS": .mp4, "mmp4": .mp4, "M4V ": .mp4, "M4VH": .mp4, "M4VP": .mp4,
        "qt  ": .quickTime,
        "M4A ": .mp4Audio, "M4B ": .mp4Audio, "F4A ": .mp4Audio,
    ]

    static let stillImageBrands: Set<String> = [
        "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "miaf", "avif", "avis", "jp2 ", "jpx ",
        "crx ",
    ]
}
