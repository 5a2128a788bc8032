import Testing
import WACore

extension MessageEventHandler {
    /// ``MessageEventHandler/received(_:_:)`` for a message that has another party (anything but the account's own
    /// message in a group): its contact is required.
    func receivedFromContact(_ incoming: IncomingMessage, _ instance: Instance) async throws -> (Message, Contact)? {
        guard let (message, contact) = try await received(incoming, instance) else { return nil }
        return (message, try #require(contact))
    }
}
