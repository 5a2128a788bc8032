/// How automation runs are recorded in the audit log (there is no separate table for them).
///
/// Every time an automation fires for an inbound message the engine writes one audit event
/// ``fired`` (`automation.fired`); when the loop protection refuses an automation it writes ``suppressed``
/// (`automation.suppressed`). Both have actor `system`, resource type `automation` and the resource id
/// ``resourceID(automation:contact:)`` (`<automation id>/<contact id>`), so one exact lookup finds a contact's
/// runs of one automation: the cool-down reads the newest `automation.fired`, and re-processing a message finds
/// the run that already handled it. Metadata keys are the `…Key` constants.
public enum AutomationRunRecord {
    /// The action of an automation run.
    public static let fired = "automation.fired"
    /// The action of a run refused by the loop protection.
    public static let suppressed = "automation.suppressed"
    /// The prefix matching both (an ``AuditEvent/Filter`` action ending in `.` matches by prefix).
    static let anyRun = "automation."
    /// The resource type.
    public static let resourceType = "automation"

    /// `automation_id`.
    public static let automationKey = "automation_id"
    /// `contact_id`.
    public static let contactKey = "contact_id"
    /// `message_id`: the inbound message the run handled.
    public static let messageKey = "message_id"
    /// `instance_id`: the instance the message arrived on.
    public static let instanceKey = "instance_id"
    /// `replies`: the ids of the queued replies, comma-separated.
    public static let repliesKey = "replies"
    /// `failed_actions`: `<action index>:<error code>` for each action that could not run, comma-separated.
    public static let failedActionsKey = "failed_actions"
    /// `reason`: why a run was suppressed (``AutomationLoopGuard/Reason``).
    public static let reasonKey = "reason"

    /// The audit resource id of `automation`'s runs for `contact`.
    public static func resourceID(automation: AutomationID, contact: ContactID) -> String {
        "\(automation)/\(contact)"
    }
}
