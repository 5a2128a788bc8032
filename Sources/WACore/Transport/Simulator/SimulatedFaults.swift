/// Faults the ``SimulatedWhatsApp`` network injects into sends, network-wide
/// (``SimulatedWhatsApp/updateFaults(_:)``) or for the messages one account sends
/// (``SimulatedPhone/updateFaults(_:)``, which also covers every session linked to that phone).
///
/// Counters (`failNextSends`, `dropNextMessages`) count down as they fire; an account's own faults are consulted
/// before the network's. Probabilities draw from the network's ``RandomSource``, and only when they are above zero,
/// so a test that does not use them does not depend on the seed.
///
/// ```swift
/// network.updateFaults { $0.dropNextMessages = 1 }        // the next message anyone sends vanishes
/// shop.updateFaults { $0.failNextSends = 2 }              // the shop's next two sends throw transport_error
/// ```
public struct SimulatedFaults: Sendable, Hashable {
    /// The next this-many sends throw `transport_error` (nothing is sent; a retry with the same client message id
    /// really sends).
    public var failNextSends: Int
    /// Each send throws `transport_error` with this probability (0…1).
    public var sendFailureProbability: Double
    /// The next this-many sends throw `transport_unavailable`, as a session whose browser crashed would: nothing
    /// reaches WhatsApp, and the risk monitor does not count it.
    public var failNextSendsLocally: Int
    /// The next this-many accepted messages are lost: the sender sees `sent` and nothing more, the recipient never
    /// gets them.
    public var dropNextMessages: Int
    /// Each accepted message is lost with this probability (0…1).
    public var dropProbability: Double
    /// Acks arrive out of order: on delivery the sender sees `read` first, then a late `delivered` (which a
    /// consumer must ignore, since status only moves forward). The recipient counts the message as read.
    public var reorderAcks: Bool

    /// Faults as given; the defaults inject nothing.
    public init(
        failNextSends: Int = 0, sendFailureProbability: Double = 0, failNextSendsLocally: Int = 0,
        dropNextMessages: Int = 0, dropProbability: Double = 0, reorderAcks: Bool = false
    ) {
        self.failNextSends = failNextSends
        self.sendFailureProbability = sendFailureProbability
        self.failNextSendsLocally = failNextSendsLocally
        self.dropNextMessages = dropNextMessages
        self.dropProbability = dropProbability
        self.reorderAcks = reorderAcks
    }
}
