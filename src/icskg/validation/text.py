"""Bytes to text, or a message that says how to save the file: shared by the RDF reader
(:mod:`icskg.validation.inputs`) and the CSV templates' readers below it."""

from __future__ import annotations

UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")


class InputError(ValueError):
    """The input cannot be validated; the message says what to fix."""


def text_of(data: bytes, name: str) -> str:
    """The document as text: UTF-8 with or without a byte-order mark, or UTF-16 with one.

    Anything else is refused with its encoding named, never guessed: a guess that is wrong reads
    every column as missing or every name as mojibake.

    :raises InputError: naming the encoding found and how to save the file as UTF-8.
    """
    if data.startswith(UTF32_BOMS):
        raise InputError(f"{name}: the file is UTF-32 text; save it as UTF-8.")
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: the file starts like UTF-16 but byte {exc.start:,} is not UTF-16; "
                             "save it as UTF-8.") from None
    if b"\x00" in data:
        head = data[:400]
        utf16 = 3 * head.count(b"\x00") > len(head)  # ASCII text in UTF-16: every other byte is 0
        looks = " (it looks like UTF-16 without a byte-order mark)" if utf16 else ""
        raise InputError(f"{name}: the file holds NUL bytes{looks}, so it is not UTF-8 text; "
                         "save it as UTF-8 (UTF-16 is read only with a byte-order mark).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(
            f"{name}: not UTF-8 text: byte 0x{data[exc.start]:02X} on line {line} is not UTF-8 (the file "
            "may be Windows-1252 or Latin-1, what Excel writes as plain \"CSV\"). Save it as UTF-8 "
            "(Excel: \"CSV UTF-8\"); UTF-16 with a byte-order mark is read too."
        ) from None
