"""Put rows on top of a PNG without decoding it: the new rows are compressed and placed in
front of the image's own compressed rows, which are kept byte for byte.

A PNG's pixels are one zlib stream of filtered rows. Deflate blocks only refer back to data
inside the stream, so the original's blocks still decode after new ones that end on a byte
boundary (a full flush). The stream's Adler-32 is combined from the two parts' checksums.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

from PIL import Image

SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGB8 = (8, 2, 0, 0, 0)  # bit depth 8, truecolour, deflate, adaptive filters, not interlaced
_KNOWN = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND"})
_BASE = 65521  # Adler-32's modulus


def splice_png(content: bytes, top: Image.Image) -> bytes | None:
    """``content`` (an 8-bit RGB PNG as wide as ``top``) with ``top``'s rows above its own;
    None for any other PNG (the caller decodes and encodes those). Ancillary chunks (text,
    colour hints) are left out, as an encoder that draws a new canvas would.

    ``top``'s last row must be black: the image's first row may be filtered against the row
    above it (Up, Average, Paeth), and was written against PNG's implied row of zeros.
    """
    chunks = list(_chunks(content))
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        return None
    width, height, *form = struct.unpack(">IIBBBBB", chunks[0][1])
    critical = {kind for kind, _ in chunks if kind[:1].isupper()}
    if tuple(form) != RGB8 or width != top.width or top.mode != "RGB" or critical - _KNOWN:
        return None
    if top.height == 0 or any(top.crop((0, top.height - 1, width, top.height)).tobytes()):
        return None
    stream = b"".join(data for kind, data in chunks if kind == b"IDAT")
    if len(stream) < 7 or stream[0] & 0x0F != 8 or stream[1] & 0x20:
        return None  # not deflate, or a preset dictionary
    stride = 3 * width
    pixels = top.tobytes()
    rows = b"".join(b"\x00" + pixels[i : i + stride] for i in range(0, len(pixels), stride))
    packer = zlib.compressobj(6)
    head = packer.compress(rows) + packer.flush(zlib.Z_FULL_FLUSH)  # byte-aligned, not final
    adler = adler32_combine(
        zlib.adler32(rows), int.from_bytes(stream[-4:], "big"), height * (stride + 1)
    )
    joined = head + stream[2:-4] + adler.to_bytes(4, "big")
    header = struct.pack(">II", width, height + top.height) + bytes(RGB8)
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", joined) + _chunk(b"IEND", b"")


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of two byte strings joined, from each one's checksum (as zlib computes it)."""
    rem = second_length % _BASE
    low = ((first & 0xFFFF) + (second & 0xFFFF) + _BASE - 1) % _BASE
    high = (rem * (first & 0xFFFF) + (first >> 16) + (second >> 16) + _BASE - rem) % _BASE
    return low | (high << 16)


def _chunks(content: bytes) -> Iterator[tuple[bytes, bytes]]:
    if not content.startswith(SIGNATURE):
        return
    at = len(SIGNATURE)
    while at + 12 <= len(content):
        (length,) = struct.unpack(">I", content[at : at + 4])
        kind = content[at + 4 : at + 8]
        yield kind, content[at + 8 : at + 8 + length]
        at += 12 + length
        if kind == b"IEND":
            return


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
