/// Reads the top-level stream names of an OLE compound file (legacy Office `.doc`, `.xls`, `.ppt`) from its
/// first bytes, to tell which application wrote it.
///
/// It follows the directory's sector chain through the FAT as far as the prefix reaches, then walks the root
/// storage's children (the red-black tree of sibling ids), so that streams of embedded objects (a spreadsheet
/// inside a Word document) do not count.
enum CompoundFileDirectory {
    static let signature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]

    private static let endOfChain: UInt32 = 0xFFFF_FFFE
    private static let noStream: UInt32 = 0xFFFF_FFFF
    private static let maximumDirectorySectors = 256

    /// The legacy Office type the root's streams show, or `nil` when it cannot be told from the prefix.
    static func officeType(in bytes: MediaBytes) -> MediaType? {
        let names = rootStreamNames(in: bytes)
        if names.contains("WordDocument") { return .msWord }
        if names.contains("Workbook") || names.contains("Book") { return .msExcel }
        if names.contains("PowerPoint Document") { return .msPowerPoint }
        return nil
    }

    /// The names of the root storage's direct children that are inside the prefix.
    static func rootStreamNames(in bytes: MediaBytes) -> Set<String> {
        guard bytes.matches(signature), bytes.le16(28) == 0xFFFE, let shift = bytes.le16(30), shift == 9 || shift == 12,
            let firstDirectorySector = bytes.le32(48)
        else { return [] }
        let sectorSize = 1 << Int(shift)
        let entriesPerSector = sectorSize / 128

        // Directory entries, in directory order, as far as the chain stays inside the prefix.
        var entries: [Entry?] = []
        var sector = firstDirectorySector
        var visited: Set<UInt32> = []
        while sector < 0xFFFF_FFFA, visited.count < maximumDirectorySectors, visited.insert(sector).inserted {
            let start = (Int(sector) + 1) * sectorSize
            guard start + sectorSize <= bytes.count else { break }
            for index in 0..<entriesPerSector {
                entries.append(entry(in: bytes, at: start + index * 128))
            }
            guard let next = nextSector(after: sector, in: bytes, sectorSize: sectorSize), next != endOfChain else {
                break
            }
            sector = next
        }
        guard let root = entries.first ?? nil, root.type == 5 else { return [] }

        var names: Set<String> = []
        var pending = [root.child]
        var seen: Set<UInt32> = []
        while let id = pending.popLast() {
            guard id != noStream, Int(id) < entries.count, seen.insert(id).inserted, let entry = entries[Int(id)]
            else { continue }
            names.insert(entry.name)
            pending.append(entry.left)
            pending.append(entry.right)
        }
        return names
    }

    private struct Entry {
        var name: String
        var type: UInt8
        var left: UInt32
        var right: UInt32
        var child: UInt32
    }

    private static func entry(in bytes: MediaBytes, at offset: Int) -> Entry? {
        guard let nameLength = bytes.le16(offset + 64).map(Int.init), (2...64).contains(nameLength),
            nameLength % 2 == 0, let type = bytes.u8(offset + 66), type != 0,
            let left = bytes.le32(offset + 68), let right = bytes.le32(offset + 72), let child = bytes.le32(offset + 76)
        else { return nil }
        // UTF-16LE, the length counts the terminating NUL.
        var units: [UInt16] = []
        for index in stride(from: 0, to: nameLength - 2, by: 2) {
            guard let unit = bytes.le16(offset + index) else { return nil }
            units.append(unit)
        }
        return Entry(name: String(decoding: units, as: UTF16.self), type: type, left: left, right: right, child: child)
    }

    /// The FAT entry for `sector`, when the FAT sector holding it is listed in the header's DIFAT and inside the
    /// prefix.
    private static func nextSector(after sector: UInt32, in bytes: MediaBytes, sectorSize: Int) -> UInt32? {
        let perFATSector = sectorSize / 4
        let fatIndex = Int(sector) / perFATSector
        guard fatIndex < 109, let fatSector = bytes.le32(76 + fatIndex * 4), fatSector < 0xFFFF_FFFA else {
            return nil
        }
        return bytes.le32((Int(fatSector) + 1) * sectorSize + (Int(sector) % perFATSector) * 4)
    }
}
