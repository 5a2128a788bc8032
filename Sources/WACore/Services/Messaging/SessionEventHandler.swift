/// Receives what running sessions report, after the supervisor has handled the lifecycle part (status, QR code,
/// reconnects).
///
/// The messaging side implements it (``MessageEventHandler``); keeping it a protocol lets the supervisor and the
/// handler be tested alone.
public protocol SessionEventHandler: Sendable {
    /// Called for every event of a session, in order, one at a time per instance.
    func handle(_ event: SessionEvent, from instance: Instance) async
}
