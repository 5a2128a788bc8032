/// The one place that turns transport-specific delivery reports into ``MessageStatus``
/// (`reference/peers.md` §4).
public enum AckMapping {
    /// WhatsApp Web's `msg.ack` (whatsapp-web.js `MessageAck`): -1 error, 0 pending (clock), 1 server (one tick),
    /// 2 device (two ticks), 3 read (blue), 4 played. wppconnect's -7…-2 are errors too. Unknown values → `nil`.
    public static func status(webAck ack: Int) -> MessageStatus? {
        switch ack {
        case -7 ... -1: .failed
        case 0: .pending
        case 1: .sent
        case 2: .delivered
        case 3: .read
        case 4: .played
        default: nil
        }
    }

    /// The WhatsApp Web ack value for a status (the inverse of ``status(webAck:)``; `queued` has none).
    public static func webAck(for status: MessageStatus) -> Int? {
        switch status {
        case .queued: nil
        case .failed: -1
        case .pending: 0
        case .sent: 1
        case .delivered: 2
        case .read: 3
        case .played: 4
        }
    }

    /// Baileys' `WAMessageStatus` (0 ERROR, 1 PENDING, 2 SERVER_ACK, 3 DELIVERY_ACK, 4 READ, 5 PLAYED).
    public static func status(baileysStatus value: Int) -> MessageStatus? {
        switch value {
        case 0: .failed
        case 1: .pending
        case 2: .sent
        case 3: .delivered
        case 4: .read
        case 5: .played
        default: nil
        }
    }

    /// The WhatsApp Cloud API's `statuses[].status` (`sent`, `delivered`, `read`, `failed`; `played` for voice).
    public static func status(cloudStatus value: String) -> MessageStatus? {
        switch value.lowercased() {
        case "sent": .sent
        case "delivered": .delivered
        case "read": .read
        case "played": .played
        case "failed": .failed
        default: nil
        }
    }
}
