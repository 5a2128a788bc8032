/// A libphonenumber metadata pattern, compiled once, that matches strings of ASCII digits.
///
/// libphonenumber's metadata writes its number patterns in a small part of the Perl/Python regular-expression
/// dialect: digits, `\d`, bracket classes of digits and digit ranges (`[2-79]`), groups (`(?:…)` and capturing
/// `(…)`), alternation `|`, the quantifiers `?`, `{n}` and `{n,m}`, and `$` at the end of an alternative. That is
/// all this type accepts (``init(_:)`` fails on anything else), and it matches with the same leftmost-first,
/// greedy semantics as those engines, so captures and prefix matches are the ones libphonenumber sees. Swift's
/// `Regex` gives the same answers (`DigitPatternTests` compares them over every metadata pattern) but takes
/// microseconds per match; this takes tens of nanoseconds, which is what lets a number be parsed and fully
/// validated in under two microseconds.
///
/// **How it matches.** The pattern is compiled to a short program (Russ Cox's backtracking virtual machine):
/// `digit` instructions test one input digit against a ten-bit set, `split` tries its first branch and, if the
/// rest of the match fails, its second, `save` records a capture boundary. Quantifiers are expanded (`x{2,4}` is
/// `x x`, then two optional `x`), so every program is loop-free and a match does at most one pass over each path
/// through the pattern: there is no input that makes it slow.
///
/// The program lives in memory of its own, allocated once and never changed (hence `@unchecked Sendable`), so a
/// match reads it without retaining anything; a pattern lives as long as the metadata that holds it.
final class DigitPattern: @unchecked Sendable {
    /// One step of the program.
    enum Instruction: Sendable, Equatable {
        /// Consume one digit whose bit is set in the mask (bit 0 for `0` … bit 9 for `9`).
        case digit(mask: UInt16)
        /// Continue at `preferred`; if that fails, at `alternative`.
        case split(preferred: Int, alternative: Int)
        /// Continue at the target.
        case jump(Int)
        /// Record the current position in capture slot `n` (group `n / 2`, start when even, end when odd).
        case save(Int)
        /// Succeed only at the end of the input.
        case assertEnd
        /// The pattern matched.
        case match
    }

    /// The pattern as written.
    let source: String
    /// The compiled program; execution starts at 0.
    let program: UnsafeBufferPointer<Instruction>
    /// Capturing groups in the pattern (group 0, the whole match, not counted).
    let groupCount: Int
    /// The most backtrack points a match can hold at once: the most `split` and `save` instructions on one path
    /// through the (loop-free) program.
    let maximumDepth: Int
    /// The digits a match can start with (bit `d` for digit `d`), and whether the empty string matches; a number
    /// that starts otherwise fails without running the program.
    let firstDigits: UInt16
    let matchesEmpty: Bool

    /// A pattern that matches nothing, standing in for one that did not compile.
    static let neverMatching = DigitPattern(program: [.digit(mask: 0), .match])

    /// Compiles `source`; `nil` if it uses anything outside the supported dialect.
    init?(_ source: String) {
        var parser = Parser(bytes: Array(source.utf8))
        guard let node = parser.parseAlternation(), parser.isAtEnd else { return nil }
        var compiler = Compiler()
        compiler.emit(node)
        compiler.program.append(.match)
        self.source = source
        let storage = UnsafeMutableBufferPointer<Instruction>.allocate(capacity: compiler.program.count)
        _ = storage.initialize(from: compiler.program)
        self.program = UnsafeBufferPointer(storage)
        self.groupCount = parser.groupCount
        self.maximumDepth = Self.longestPath(compiler.program)
        (self.firstDigits, self.matchesEmpty) = Self.firstSet(compiler.program)
    }

    private init(program instructions: [Instruction]) {
        let storage = UnsafeMutableBufferPointer<Instruction>.allocate(capacity: instructions.count)
        _ = storage.initialize(from: instructions)
        source = ""
        program = UnsafeBufferPointer(storage)
        groupCount = 0
        maximumDepth = Self.longestPath(instructions)
        (firstDigits, matchesEmpty) = Self.firstSet(instructions)
    }

    /// The digits the instructions reachable from the start without consuming input accept, and whether `match`
    /// (or `$`, which holds on empty input) is among them.
    private static func firstSet(_ program: [Instruction]) -> (UInt16, Bool) {
        var mask: UInt16 = 0
        var empty = false
        var visited = Set<Int>()
        var pending = [0]
        while let pc = pending.popLast() {
            guard visited.insert(pc).inserted else { continue }
            switch program[pc] {
            case .digit(let digits): mask |= digits
            case .split(let preferred, let alternative): pending += [preferred, alternative]
            case .jump(let target): pending.append(target)
            case .save, .assertEnd: pending.append(pc + 1)
            case .match: empty = true
            }
        }
        return (mask, empty)
    }

    deinit {
        UnsafeMutableBufferPointer(mutating: program).deallocate()
    }

    /// The most `split` and `save` instructions on one path from the start (every jump goes forward).
    private static func longestPath(_ program: [Instruction]) -> Int {
        var depth = [Int](repeating: 0, count: program.count + 1)
        for pc in program.indices.reversed() {
            switch program[pc] {
            case .digit, .assertEnd: depth[pc] = depth[pc + 1]
            case .save: depth[pc] = 1 + depth[pc + 1]
            case .split(let preferred, let alternative): depth[pc] = 1 + max(depth[preferred], depth[alternative])
            case .jump(let target): depth[pc] = depth[target]
            case .match: depth[pc] = 0
            }
        }
        return depth[0]
    }

    // MARK: Matching

    /// Whether the whole of `digits` (ASCII `0`–`9`) matches.
    func wholeMatch<Digits: RandomAccessCollection<UInt8>>(_ digits: Digits) -> Bool where Digits.Index == Int {
        guard let first = digits.first else { return matchesEmpty }
        let value = first &- UInt8(ascii: "0")
        guard value < 10, firstDigits & (1 << UInt16(value)) != 0 else { return false }
        var captures: [Int] = []
        return run(digits, whole: true, captures: &captures) != nil
    }

    /// The length of the match at the start of `digits`, if the pattern matches there.
    func prefixMatchLength<Digits: RandomAccessCollection<UInt8>>(_ digits: Digits) -> Int?
    where Digits.Index == Int {
        var captures: [Int] = []
        return run(digits, whole: false, captures: &captures).map { $0 - digits.startIndex }
    }

    /// A match at the start of `digits`: its end and the ranges of the capturing groups (by number, from 1; `nil`
    /// for a group that took no part).
    func prefixMatch<Digits: RandomAccessCollection<UInt8>>(_ digits: Digits) -> (end: Int, groups: [Range<Int>?])?
    where Digits.Index == Int {
        var captures = [Int](repeating: -1, count: 2 * (groupCount + 1))
        guard let end = run(digits, whole: false, captures: &captures) else { return nil }
        let groups = (1..<(groupCount + 1)).map { group -> Range<Int>? in
            let start = captures[2 * group]
            let end = captures[2 * group + 1]
            return start >= 0 && end >= start ? start..<end : nil
        }
        return (end, groups)
    }

    /// A backtrack point: where to resume and at which position, or (with `pc` negative) a capture slot to
    /// restore.
    private struct Frame {
        var pc: Int32
        var position: Int32
        var slot: Int32
        var saved: Int32
    }

    /// Runs the program from the start of `digits`; returns the end position of the first match in priority
    /// order (for `whole`, one that ends at the end of the input), filling `captures` when it is not empty.
    /// The backtrack stack is a temporary allocation sized by ``maximumDepth`` (on the stack for all but the
    /// largest patterns), so a match allocates nothing.
    private func run<Digits: RandomAccessCollection<UInt8>>(_ digits: Digits, whole: Bool, captures: inout [Int])
        -> Int? where Digits.Index == Int
    {
        withUnsafeTemporaryAllocation(of: Frame.self, capacity: maximumDepth + 1) { stack in
            run(digits, whole: whole, captures: &captures, stack: stack)
        }
    }

    private func run<Digits: RandomAccessCollection<UInt8>>(
        _ digits: Digits, whole: Bool, captures: inout [Int], stack: UnsafeMutableBufferPointer<Frame>
    ) -> Int? where Digits.Index == Int {
        var depth = 0
        let tracksCaptures = !captures.isEmpty
        var pc = 0
        var position = digits.startIndex
        let end = digits.endIndex
        let program = self.program
        do {
            while true {
                var failed = false
                switch program[pc] {
                case .digit(let mask):
                    if position < end {
                        let value = digits[position] &- UInt8(ascii: "0")
                        if value < 10, mask & (1 << UInt16(value)) != 0 {
                            position += 1
                            pc += 1
                        } else {
                            failed = true
                        }
                    } else {
                        failed = true
                    }
                case .split(let preferred, let alternative):
                    // A preferred branch that starts with a digit the input does not have fails at once: go
                    // straight to the alternative (most alternations in the metadata are keyed by their first
                    // digit).
                    if case .digit(let mask) = program[preferred] {
                        let value = position < end ? digits[position] &- UInt8(ascii: "0") : 10
                        if value >= 10 || mask & (1 << UInt16(value)) == 0 {
                            pc = alternative
                            continue
                        }
                    }
                    stack[depth] = Frame(pc: Int32(alternative), position: Int32(position), slot: -1, saved: 0)
                    depth += 1
                    pc = preferred
                case .jump(let target):
                    pc = target
                case .save(let slot):
                    if tracksCaptures, slot < captures.count {
                        stack[depth] = Frame(pc: -1, position: 0, slot: Int32(slot), saved: Int32(captures[slot]))
                        depth += 1
                        captures[slot] = position
                    }
                    pc += 1
                case .assertEnd:
                    if position == end { pc += 1 } else { failed = true }
                case .match:
                    if !whole || position == end { return position }
                    failed = true
                }
                guard failed else { continue }
                // Resume at the latest backtrack point, undoing captures recorded after it.
                while true {
                    guard depth > 0 else { return nil }
                    depth -= 1
                    let top = stack[depth]
                    if top.pc < 0 {
                        captures[Int(top.slot)] = Int(top.saved)
                        continue
                    }
                    pc = Int(top.pc)
                    position = Int(top.position)
                    break
                }
            }
        }
    }

    // MARK: Parsing

    /// The pattern's syntax tree.
    indirect enum Node {
        case digits(UInt16)
        case sequence([Node])
        case alternation([Node])
        case group(Node, capture: Int?)
        case repeated(Node, minimum: Int, maximum: Int)
        case end
    }

    /// A recursive-descent parser of the supported dialect.
    struct Parser {
        let bytes: [UInt8]
        var index = 0
        var groupCount = 0
        var depth = 0

        var isAtEnd: Bool { index == bytes.count }

        private func peek(_ offset: Int = 0) -> UInt8? {
            index + offset < bytes.count ? bytes[index + offset] : nil
        }

        mutating func parseAlternation() -> Node? {
            var branches: [Node] = []
            repeat {
                guard let branch = parseSequence() else { return nil }
                branches.append(branch)
            } while consume("|")
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        private mutating func parseSequence() -> Node? {
            var items: [Node] = []
            while let byte = peek(), byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
                guard let atom = parseAtom() else { return nil }
                guard let item = parseQuantifier(atom) else { return nil }
                items.append(item)
            }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        private mutating func parseAtom() -> Node? {
            guard let byte = peek() else { return nil }
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                index += 1
                return .digits(1 << UInt16(byte - UInt8(ascii: "0")))
            case UInt8(ascii: "\\"):
                guard peek(1) == UInt8(ascii: "d") else { return nil }
                index += 2
                return .digits(0x3FF)
            case UInt8(ascii: "["):
                index += 1
                return parseClass()
            case UInt8(ascii: "("):
                index += 1
                var capture: Int?
                if peek() == UInt8(ascii: "?") {
                    guard peek(1) == UInt8(ascii: ":") else { return nil }
                    index += 2
                } else {
                    groupCount += 1
                    capture = groupCount
                }
                depth += 1
                guard depth <= 32, let inner = parseAlternation(), consume(")") else { return nil }
                depth -= 1
                return .group(inner, capture: capture)
            case UInt8(ascii: "$"):
                index += 1
                return .end
            default:
                return nil
            }
        }

        /// A bracket class of digits and digit ranges (`[02-9]`, `[\d]` is not used by the metadata).
        private mutating func parseClass() -> Node? {
            var mask: UInt16 = 0
            while let byte = peek(), byte != UInt8(ascii: "]") {
                guard let low = Self.digit(byte) else { return nil }
                index += 1
                if peek() == UInt8(ascii: "-"), let high = peek(1).flatMap(Self.digit) {
                    index += 2
                    guard low <= high else { return nil }
                    for value in low...high { mask |= 1 << UInt16(value) }
                } else {
                    mask |= 1 << UInt16(low)
                }
            }
            guard consume("]"), mask != 0 else { return nil }
            return .digits(mask)
        }

        private mutating func parseQuantifier(_ atom: Node) -> Node? {
            if consume("?") { return .repeated(atom, minimum: 0, maximum: 1) }
            guard consume("{") else { return atom }
            guard let minimum = parseNumber() else { return nil }
            var maximum = minimum
            if consume(",") {
                guard let value = parseNumber() else { return nil }  // `{n,}` never occurs in the metadata
                maximum = value
            }
            guard consume("}"), minimum <= maximum, maximum <= 64 else { return nil }
            return .repeated(atom, minimum: minimum, maximum: maximum)
        }

        private mutating func parseNumber() -> Int? {
            var value: Int?
            while let byte = peek(), let digit = Self.digit(byte), (value ?? 0) < 1_000 {
                value = (value ?? 0) * 10 + Int(digit)
                index += 1
            }
            return value
        }

        private mutating func consume(_ character: Unicode.Scalar) -> Bool {
            guard peek() == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        private static func digit(_ byte: UInt8) -> UInt8? {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : nil
        }
    }

    // MARK: Compiling

    /// Emits the program for a syntax tree.
    struct Compiler {
        var program: [Instruction] = []

        mutating func emit(_ node: Node) {
            switch node {
            case .digits(let mask):
                program.append(.digit(mask: mask))
            case .sequence(let items):
                for item in items { emit(item) }
            case .alternation(let branches):
                // split L1, next; L1: branch 1; jump end; next: split L2, next2; … last branch; end:
                var jumps: [Int] = []
                for (offset, branch) in branches.enumerated() {
                    if offset < branches.count - 1 {
                        let split = program.count
                        program.append(.split(preferred: split + 1, alternative: -1))
                        emit(branch)
                        jumps.append(program.count)
                        program.append(.jump(-1))
                        program[split] = .split(preferred: split + 1, alternative: program.count)
                    } else {
                        emit(branch)
                    }
                }
                for jump in jumps { program[jump] = .jump(program.count) }
            case .group(let inner, let capture):
                if let capture { program.append(.save(2 * capture)) }
                emit(inner)
                if let capture { program.append(.save(2 * capture + 1)) }
            case .repeated(let inner, let minimum, let maximum):
                for _ in 0..<minimum { emit(inner) }
                // Each optional copy is greedy: try it first, skip the rest when it is not taken.
                var skips: [Int] = []
                for _ in minimum..<maximum {
                    skips.append(program.count)
                    program.append(.split(preferred: program.count + 1, alternative: -1))
                    emit(inner)
                }
                for skip in skips {
                    program[skip] = .split(preferred: skip + 1, alternative: program.count)
                }
            case .end:
                program.append(.assertEnd)
            }
        }
    }
}
