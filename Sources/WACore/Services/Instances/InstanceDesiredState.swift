/// Whether someone wants an instance to run, independent of what it does right now.
///
/// The status says what the instance *does* (`ready`, `reconnecting`, `stopped` …); the desired state says what
/// it *should* do. A graceful shutdown stops every session but leaves the desired state alone, so the next start
/// of the gateway (or another node) resumes exactly the instances that should run.
public enum InstanceDesiredState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Started and not stopped since: a supervisor should run it.
    case running
    /// Never started, stopped on request, logged out, or stopped by a terminal disconnect.
    case stopped
}
