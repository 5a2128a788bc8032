/// Which lanes a claim takes jobs from (``JobRepository/claim(queues:worker:limit:lease:now:lanes:)``).
///
/// A gateway node claims the jobs of the instances it runs (``only(_:)`` with their ``Job/instanceLane(_:)``),
/// then the jobs nobody runs (``unheld``: an instance that is stopped, logged out or deleted has jobs that must
/// still be held back or failed), and never the jobs of an instance another node runs.
public enum JobLaneSelection: Sendable, Hashable {
    /// Every job, whatever its lane.
    case all
    /// Only jobs of these lanes.
    case only(Set<String>)
    /// Jobs that no node holds: jobs without a lane, and jobs of an instance lane (``Job/instanceLane(_:)``)
    /// whose instance has no unexpired lease (``LeaseRepository``). Jobs of other lanes are left out.
    case unheld
}
