public import Foundation

/// What a claimed `campaign.wave` job does next, decided from plain values before any message is created.
public enum CampaignWaveDecision: Sendable, Hashable {
    /// The campaign is gone, a draft, or finished (completed, cancelled, failed): complete the wave without
    /// sending to the rest of its recipients.
    case stop
    /// Put the wave back until this instant: the campaign is paused, before its start time, in (or about to enter)
    /// its quiet hours, or its backlog of unsent messages is full.
    case wait(until: Date)
    /// Create up to `count` messages now; `beginSending` moves a scheduled campaign to running first.
    case send(count: Int, beginSending: Bool)

    /// The decision for a wave of a campaign in `status` (nil: deleted) at `now`, with `inFlight` of its messages
    /// queued or pending and the instance sending one message every `spacing` at its sustained rate.
    ///
    /// In order: finished or missing campaigns stop; paused ones wait ``CampaignPacing/pausedCheckInterval``
    /// (jittered); before the start time or inside quiet hours the wave waits until sending is allowed; a full
    /// backlog waits for ``CampaignPacing/nextCheck(after:inFlight:spacing:random:)``; when the quiet hours begin
    /// before even one more message could go out, the wave waits until they end; otherwise it sends
    /// ``CampaignPacing/allowance(inFlight:spacing:now:quietStart:)`` messages.
    public static func decide(
        status: Campaign.Status?, window: CampaignSendWindow, now: Date, inFlight: Int, spacing: Duration,
        pacing: CampaignPacing, random: any RandomSource
    ) -> CampaignWaveDecision {
        guard let status, CampaignLifecycle.isActive(status) else { return .stop }
        if status == .paused {
            return .wait(until: now.adding(pacing.jittered(pacing.pausedCheckInterval, random: random)))
        }
        let sendable = window.nextSendTime(atOrAfter: now)
        if sendable > now { return .wait(until: sendable) }
        if inFlight >= pacing.maxInFlight {
            return .wait(until: pacing.nextCheck(after: now, inFlight: inFlight, spacing: spacing, random: random))
        }
        let quietStart = window.nextQuietStart(after: now)
        let count = pacing.allowance(inFlight: inFlight, spacing: spacing, now: now, quietStart: quietStart)
        guard count > 0 else {
            // The quiet hours begin before the backlog and one more message would be out: resume after them.
            let after = quietStart.map { window.nextSendTime(atOrAfter: $0) }
            return .wait(
                until: after ?? pacing.nextCheck(after: now, inFlight: inFlight, spacing: spacing, random: random))
        }
        return .send(count: count, beginSending: status == .scheduled)
    }
}
