import Foundation

/// What a ``SimulatedSession`` exports as its ``SessionArchive``: the linked phone and a random token the network
/// remembers (a real archive holds keys instead). Small sorted JSON, opaque to callers.
struct SimulatorArchive: Codable, Hashable {
    var format = "wa-simulator-archive"
    var version = 1
    var phone: String
    var token: String

    init(phone: PhoneNumber, token: String) {
        self.phone = phone.e164
        self.token = token
    }

    /// Decodes an archive; `nil` for bytes that are not one.
    init?(_ archive: SessionArchive) {
        guard let decoded = try? JSONDecoder().decode(SimulatorArchive.self, from: Data(archive.bytes)),
            decoded.format == "wa-simulator-archive", decoded.version == 1
        else { return nil }
        self = decoded
    }

    var sessionArchive: SessionArchive {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a struct of strings and an integer cannot fail.
        let data = (try? encoder.encode(self)) ?? Data()
        return SessionArchive(bytes: Array(data))
    }
}
