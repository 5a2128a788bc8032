import Foundation
import Testing
import WACore

/// File name sanitising.
@Suite("Media file names")
struct MediaFileNameTests {
    @Test(
        "unsafe names become safe ones",
        arguments: [
            ("report.pdf", "report.pdf"),
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\ada\\report.pdf", "report.pdf"),
            ("dir/sub\\mixed/name.txt", "name.txt"),
            (".htaccess", "htaccess"),
            ("...hidden", "hidden"),
            ("  spaced  .txt  ", "spaced  .txt"),
            ("report.pdf. . ", "report.pdf"),
            ("a\u{0}b\nc\td.txt", "abcd.txt"),
            ("esc\u{1B}[31mred\u{9B}.txt", "esc[31mred.txt"),
            ("invoice\u{202E}fdp.exe", "invoicefdp.exe"),
            ("zero\u{200B}width\u{FEFF}.txt", "zerowidth.txt"),
            ("what?<is>this|\"*:.txt", "what__is_this____.txt"),
            ("CON", "_CON"), ("con.txt", "_con.txt"), ("Com1.pdf", "_Com1.pdf"), ("lpt9", "_lpt9"),
            ("NUL.tar.gz", "_NUL.tar.gz"), ("console.txt", "console.txt"), ("com10.txt", "com10.txt"),
            ("", "file"), ("   ", "file"), ("/", "file"), ("..", "file"), ("dir/", "file"),
            ("Фото 2024.jpg", "Фото 2024.jpg"),
        ])
    func sanitise(raw: String, expected: String) {
        #expect(MediaFileName.sanitize(raw) == expected)
    }

    @Test("a missing name gets the fallback")
    func fallback() {
        #expect(MediaFileName.sanitize(nil) == "file")
        #expect(MediaFileName.sanitize(nil, fallbackStem: "document") == "document")
        #expect(MediaFileName.sanitize(nil, type: .pdf) == "file.pdf")
    }

    @Test("names are normalised to NFC")
    func nfc() {
        let decomposed = "Cafe\u{301}.txt"
        let sanitised = MediaFileName.sanitize(decomposed)
        #expect(Array(sanitised.unicodeScalars) == Array("Caf\u{E9}.txt".unicodeScalars))
    }

    @Test("the type's extension is added when the name lacks it")
    func extensions() {
        #expect(MediaFileName.sanitize("photo", type: .jpeg) == "photo.jpg")
        #expect(MediaFileName.sanitize("photo.JPEG", type: .jpeg) == "photo.JPEG")
        #expect(MediaFileName.sanitize("invoice.pdf.exe", type: .pdf) == "invoice.pdf.exe.pdf")
        #expect(MediaFileName.sanitize("notes.md", type: .plainText) == "notes.md.txt")
        #expect(MediaFileName.sanitize("blob", type: .oleStorage) == "blob")
        #expect(MediaFileName.sanitize("con", type: .pdf) == "_con.pdf")
    }

    @Test("long names are cut to 255 UTF-8 bytes at a character boundary, keeping the extension")
    func length() {
        let ascii = MediaFileName.sanitize(String(repeating: "a", count: 300) + ".pdf")
        #expect(ascii.utf8.count == 255 && ascii.hasSuffix("a.pdf"))

        let accented = MediaFileName.sanitize(String(repeating: "é", count: 200) + ".docx")
        #expect(accented.utf8.count <= 255 && accented.utf8.count >= 250 && accented.hasSuffix("é.docx"))

        let emoji = MediaFileName.sanitize(String(repeating: "👩‍👩‍👧", count: 30) + ".txt")
        #expect(emoji.utf8.count <= 255 && emoji.hasSuffix("👩‍👩‍👧.txt"))

        let longExtension = MediaFileName.sanitize("x." + String(repeating: "e", count: 400))
        #expect(longExtension.utf8.count == 255)

        #expect(
            MediaFileName.sanitize("abcdefghijklmnopqrstuvwxyz0123456789.pdf", maximumUTF8Length: 32)
                == "abcdefghijklmnopqrstuvwxyz01.pdf")
        #expect(MediaFileName.sanitize(String(repeating: "b", count: 10_000)).utf8.count == 255)
    }
}
