/// An instance's state as the API reports it: the stored record, where it runs, and the code to link it.
public struct InstanceStatusReport: Sendable, Hashable {
    /// The stored instance (status, account, settings).
    public var instance: Instance
    /// The gateway node holding the instance's lease now, if any (route link-code requests there).
    public var runningOn: String?
    /// Whether the node that answered runs it.
    public var isRunningHere: Bool
    /// The QR or pairing code shown right now, when the instance is linking on this node and the principal may
    /// link it (`instances:link`).
    public var linkCode: LinkCode?
    /// The send limits in force right now: configured caps, the account's age and warm-up fraction, the risk
    /// throttle, and the caps that result.
    public var sendLimits: SendLimits

    public init(
        instance: Instance, runningOn: String?, isRunningHere: Bool, linkCode: LinkCode?, sendLimits: SendLimits
    ) {
        self.instance = instance
        self.runningOn = runningOn
        self.isRunningHere = isRunningHere
        self.linkCode = linkCode
        self.sendLimits = sendLimits
    }

    /// The instance's status.
    public var status: InstanceStatus { instance.status }
}
