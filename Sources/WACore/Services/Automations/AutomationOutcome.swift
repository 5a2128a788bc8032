public import Foundation

/// What the engine did with one automation for one inbound message: a decision as a value.
public struct AutomationOutcome: Sendable, Hashable {
    /// The automation.
    public var automationID: AutomationID
    /// What happened.
    public var decision: Decision

    /// An outcome for `automationID`.
    public init(automationID: AutomationID, decision: Decision) {
        self.automationID = automationID
        self.decision = decision
    }

    /// The engine's decision.
    public enum Decision: Sendable, Hashable {
        /// The trigger did not match.
        case notTriggered
        /// An earlier run already handled this message (it was processed before).
        case alreadyHandled
        /// The automation ran for the contact too recently; it can run again for messages arriving after `until`.
        case coolingDown(until: Date)
        /// The loop protection refused it (only automations with a reply action).
        case suppressed(AutomationLoopGuard.Reason)
        /// It ran: the replies it queued, and the actions that could not run.
        case fired(replies: [MessageID], failedActions: [AutomationActionFailure])
    }
}

/// An action of a run that could not be carried out (the run's other actions still were).
public struct AutomationActionFailure: Sendable, Hashable {
    /// The action's index in ``Automation/actions``.
    public var index: Int
    /// Why, as a stable code (`recipient_opted_out`, `member_inactive`, `not_found`, …).
    public var code: WAError.Code
    /// A safe, human-readable message.
    public var message: String

    /// A failure of the action at `index`.
    public init(index: Int, code: WAError.Code, message: String) {
        self.index = index
        self.code = code
        self.message = message
    }
}
