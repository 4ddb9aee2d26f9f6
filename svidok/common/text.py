"""Decoding uploaded and imported files: one place for byte-order marks and undecodable bytes."""

import codecs

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class UndecodableText(ValueError):
    """Bytes that are not text in the expected encoding.

    ``name`` is the file's name, ``encoding`` the one tried, ``utf16`` true when the bytes start with a
    UTF-16 byte-order mark (a spreadsheet's "Unicode text"); otherwise ``offset`` (from 0, in the
    bytes as given) and ``line`` (from 1) locate the first byte that cannot be decoded.
    """

    def __init__(self, name: str, encoding: str, *, offset: int = 0, line: int = 1, utf16: bool = False):
        self.name, self.encoding, self.offset, self.line, self.utf16 = name, encoding, offset, line, utf16
        if utf16:
            message = f"{name} is UTF-16 encoded, not {encoding}."
        else:
            message = f"{name} is not {encoding} (undecodable byte at line {line}, byte offset {offset})."
        super().__init__(message)


def decode_text(data: bytes, *, name: str, encoding: str = "UTF-8") -> str:
    """``data`` as text, without a leading byte-order mark.

    UTF-8 by default (with or without BOM); another ``encoding`` may be named (an unknown one raises
    ``LookupError``). Raises :class:`UndecodableText` naming the file and the line and byte offset
    of the first bad byte, or saying that a UTF-8 file is in fact UTF-16.
    """
    utf8 = codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
    if utf8 and data.startswith(_UTF16_BOMS):
        raise UndecodableText(name, encoding, utf16=True)
    start = len(codecs.BOM_UTF8) if utf8 and data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = str(memoryview(data)[start:], "utf-8" if utf8 else encoding)
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        raise UndecodableText(name, encoding, offset=offset, line=data.count(b"\n", 0, offset) + 1) from None
    # A byte-order mark is not part of the text, whatever encoding was named.
    return text if utf8 else text.removeprefix("\ufeff")
