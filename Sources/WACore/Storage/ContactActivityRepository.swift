public import Foundation

/// What each contact's messages say about its engagement (``ContactActivity``), kept by the store as messages
/// change, and the segment queries analytics and campaign audiences ask.
///
/// **Maintained by the message repository**, like ``MessageRollupRepository``: every ``MessageRepository`` insert
/// and update folds the milestones a message of a known contact newly reached (`sent`, `replied`, `received`)
/// into that contact's activity (``ContactActivity/record(_:)``, keeping the last
/// ``ContactActivity/storedRecentLimit`` outbound messages), while the contact exists. Deleting a contact deletes
/// its activity.
///
/// **Segments** are decided as ``EngagementPolicy/segments(of:asOf:)`` decides them, on the stored activity with
/// the contact's own ``Contact/optedOut`` and the later of the contact's and the activity's last inbound time; a
/// contact with no stored activity has none (a `new` contact, unless it opted out or has a last inbound time).
/// A database answers them with one aggregate query; nothing is read into memory per message.
public protocol ContactActivityRepository: Sendable {
    /// The activity stored for `contact`, or `nil` when none of its messages has reached a milestone.
    func find(contact: ContactID, in organization: OrganizationID) async throws(WAError) -> ContactActivity?

    /// How many contacts of `organization` have each primary segment (``EngagementPolicy/primarySegment(of:asOf:)``)
    /// at `now` under `policy`; every segment is present, possibly with 0.
    func segmentCounts(in organization: OrganizationID, policy: EngagementPolicy, asOf now: Date)
        async throws(WAError) -> [EngagementSegment: Int]

    /// A page of the contacts of `organization` that are in `segment` at `now` under `policy` (any of their
    /// segments, not only the primary one), in identifier order.
    func contacts(
        in segment: EngagementSegment, policy: EngagementPolicy, asOf now: Date, of organization: OrganizationID,
        page: PageRequest
    ) async throws(WAError) -> Page<Contact>
}
