import Foundation
import Synchronization

/// Receipts that arrived before their message could be found: a transport may report `delivered` (or even `read`)
/// for a message before the dispatcher has stored the WhatsApp id its send returned, and on another node the
/// dispatcher's commit may lag further. They wait here, in memory, in arrival order per message, until the message
/// is found (the next receipt for it, or a retry a moment later, applies them first) or they are given up.
///
/// Bounded: at most ``capacity`` messages are tracked; when full, the oldest entry is dropped (a later `read`
/// still fills in the timestamps it skipped). Lost on a crash, for the same reason harmless.
final class EarlyReceipts: Sendable {
    struct Receipt: Sendable {
        var status: MessageStatus
        var at: Date
    }

    private struct Key: Hashable {
        var instance: InstanceID
        var whatsappID: String
    }

    private struct State {
        var receipts: [Key: [Receipt]] = [:]
        var order: [Key] = []
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
    }

    /// Keeps `receipts` (in order) for the message; returns `true` when no receipt was waiting for it before, so
    /// the caller schedules one retry per message.
    @discardableResult
    func keep(_ receipts: [Receipt], whatsappID: String, instance: InstanceID) -> Bool {
        guard !receipts.isEmpty else { return false }
        let key = Key(instance: instance, whatsappID: whatsappID)
        return state.withLock { s in
            let isNew = s.receipts[key] == nil
            if isNew {
                if s.order.count >= capacity {
                    let oldest = s.order.removeFirst()
                    s.receipts[oldest] = nil
                }
                s.order.append(key)
            }
            s.receipts[key, default: []].append(contentsOf: receipts)
            return isNew
        }
    }

    /// Takes every receipt waiting for the message, oldest first.
    func take(whatsappID: String, instance: InstanceID) -> [Receipt] {
        let key = Key(instance: instance, whatsappID: whatsappID)
        return state.withLock { s in
            guard let receipts = s.receipts.removeValue(forKey: key) else { return [] }
            s.order.removeAll { $0 == key }
            return receipts
        }
    }

    /// Whether receipts are waiting for the message.
    func isWaiting(whatsappID: String, instance: InstanceID) -> Bool {
        state.withLock { $0.receipts[Key(instance: instance, whatsappID: whatsappID)] != nil }
    }
}
