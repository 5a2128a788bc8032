import Testing
import WACore

@Suite struct CSVReaderTests {
    @Test func readsRFC4180() throws {
        let text = "\u{FEFF}phone,name,tags\r\n+49 170 1234567,\"Müller, Zoë\",\"vip;de\"\r\n\r\n\"+1 650\",\"He said \"\"hi\"\"\nthen left\",\n"
        let records = try CSVReader().records(text)
        #expect(records.map(\.fields) == [
            ["phone", "name", "tags"], ["+49 170 1234567", "Müller, Zoë", "vip;de"],
            ["+1 650", "He said \"hi\"\nthen left", ""],
        ])
        #expect(records.map(\.line) == [1, 2, 4])
    }

    @Test func semicolonsAndLoneCR() throws {
        #expect(try CSVReader(separator: ";").records("a;b\rc;\"d;e\"").map(\.fields) == [["a", "b"], ["c", "d;e"]])
    }

    @Test(arguments: ["a,\"b\"x\n", "a,\"never closed\n", "\"x\"\"y\"z"])
    func rejectsMalformedInput(_ text: String) {
        expectWAError(.invalidCSV) { try CSVReader().records(text) }
    }

    @Test func boundsFieldCount() {
        expectWAError(.invalidCSV) { try CSVReader(maximumFieldCount: 3).records("a,b,c,d") }
    }
}
