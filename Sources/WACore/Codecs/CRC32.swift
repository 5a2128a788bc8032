/// CRC-32 as used by zlib, gzip and PNG (IEEE 802.3 polynomial, reflected `0xEDB88320`, initial value and final XOR
/// `0xFFFFFFFF`). Check value: `crc32("123456789") == 0xCBF43926`.
///
/// Used only as the typo-detecting checksum of ``APIKeySecret``; it is not a cryptographic integrity check. Neither
/// swift-crypto nor Foundation offers CRC-32, so this is the textbook byte-at-a-time table version.
enum CRC32 {
    /// The CRC of each byte value.
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1
        }
        return value
    }

    /// The CRC-32 of `bytes`.
    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }
}
