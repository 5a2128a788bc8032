/// The three states a ``SendAdmission`` reads and writes for one send.
public struct SendAdmissionState: Sendable, Hashable {
    /// The organization's quota counter for the day.
    public var quota: DailyQuotaState?
    /// The account's send log and pause.
    public var instance: SendPacingState?
    /// The instance × recipient pair limit.
    public var recipient: GCRAState?

    /// The given states (`nil`: no history).
    public init(quota: DailyQuotaState? = nil, instance: SendPacingState? = nil, recipient: GCRAState? = nil) {
        self.quota = quota
        self.instance = instance
        self.recipient = recipient
    }
}
