"""Python codecs for Chinese encodings the standard library lacks: EUC-TW and ISO-2022-CN.

Python has no codec for EUC-TW (CNS 11643, Taiwan's Unix encoding) nor for
ISO-2022-CN / ISO-2022-CN-EXT (RFC 1922: 7-bit mail and news text in GB 2312
and CNS 11643). They are registered here as ordinary codecs, so
``data.decode("euc-tw")`` works wherever culpa decodes text (mail headers,
bodies, text files).

* EUC-TW goes through glibc's converter (``iconv(3)`` over ctypes, in process;
  the ``gconv`` modules come with ``libc6``).
* ISO-2022-CN is decoded here: escape sequences name the set (GB 2312 or a CNS
  11643 plane), and each 7-bit pair is read with Python's GB 2312 codec or the
  EUC-TW codec above. glibc's own ISO-2022-CN converter was not used: it keeps
  reading GB 2312 after ``ESC $ ) G`` switches to CNS 11643 within a shifted run
  (中華民國 came out as 中徂漆傧, glibc 2.36), and its encoder was CVE-2024-2961.

``errors="strict"`` raises :class:`UnicodeDecodeError` at the first bad byte;
any other error handler puts U+FFFD there and goes on. Only EUC-TW encodes.
"""

from __future__ import annotations

import codecs
import ctypes
import ctypes.util
import errno
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import Buffer

#: Names Python may ask for (lower case, ``-`` as ``_``) and the codec each means.
CODEC_ALIASES: dict[str, str] = {
    "euc_tw": "euc_tw",
    "euctw": "euc_tw",
    "x_euc_tw": "euc_tw",
    "iso2022_cn": "iso2022_cn",
    "iso_2022_cn": "iso2022_cn",
    "csiso2022cn": "iso2022_cn",
    "iso2022_cn_ext": "iso2022_cn",  # the decoder reads the -EXT planes (3-7) too
    "iso_2022_cn_ext": "iso2022_cn",
}
#: glibc's name for EUC-TW.
EUC_TW_ICONV = "EUC-TW"
#: UTF-8 takes at most this many bytes per input byte of these encodings (3 bytes
#: for a 2-byte Han character, 4 for EUC-TW's 4-byte ones), plus room for a flush.
_OUT_BYTES_PER_BYTE, _OUT_SLACK = 4, 64
_FAILED = ctypes.c_size_t(-1).value
#: Input is handed to iconv this many bytes at a time, so its output buffer stays
#: small (a 512 MB text file would otherwise need a 2 GB buffer).
ICONV_CHUNK_BYTES = 1024 * 1024
_CharPointer = ctypes.POINTER(ctypes.c_char)


class _Libc:
    """The three iconv functions of the C library, typed."""

    def __init__(self) -> None:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.open = libc.iconv_open
        self.open.restype = ctypes.c_void_p
        self.open.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        self.convert = libc.iconv
        self.convert.restype = ctypes.c_size_t
        self.convert.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(_CharPointer),
            ctypes.POINTER(ctypes.c_size_t),
            ctypes.POINTER(_CharPointer),
            ctypes.POINTER(ctypes.c_size_t),
        ]
        self.close = libc.iconv_close
        self.close.restype = ctypes.c_int
        self.close.argtypes = [ctypes.c_void_p]


@lru_cache(maxsize=1)
def _libc() -> _Libc:
    return _Libc()


@cache
def available(iconv_name: str) -> bool:
    """Whether this C library converts ``iconv_name`` (glibc does; musl lacks EUC-TW)."""
    handle = _libc().open(b"UTF-8", iconv_name.encode())
    if handle is None or handle == _FAILED:
        return False
    _libc().close(handle)
    return True


class _Converter:
    """One iconv conversion descriptor, closed when the object goes."""

    def __init__(self, to_code: str, from_code: str) -> None:
        handle = _libc().open(to_code.encode(), from_code.encode())
        if handle is None or handle == _FAILED:
            raise LookupError(f"the C library cannot convert {from_code} to {to_code}")
        self._handle: int | None = handle

    def __del__(self) -> None:
        if self._handle is not None:
            _libc().close(self._handle)
            self._handle = None

    def run(self, data: bytes, start: int, end: int | None = None) -> tuple[bytes, int, int]:
        """Convert ``data[start:]``: (output, bytes consumed up to, errno or 0)."""
        size = (len(data) if end is None else end) - start
        source = ctypes.create_string_buffer(data[start : start + size], size)
        in_pointer = ctypes.cast(source, _CharPointer)
        in_left = ctypes.c_size_t(size)
        capacity = size * _OUT_BYTES_PER_BYTE + _OUT_SLACK
        target = ctypes.create_string_buffer(capacity)
        out_pointer = ctypes.cast(target, _CharPointer)
        out_left = ctypes.c_size_t(capacity)
        result = _libc().convert(
            self._handle,
            ctypes.byref(in_pointer),
            ctypes.byref(in_left),
            ctypes.byref(out_pointer),
            ctypes.byref(out_left),
        )
        code = ctypes.get_errno() if result == _FAILED else 0
        return target.raw[: capacity - out_left.value], start + size - in_left.value, code


class EucTwIncrementalDecoder(codecs.IncrementalDecoder):
    """EUC-TW bytes to text, chunk by chunk (a character cut at a chunk's end waits)."""

    def __init__(self, errors: str = "strict") -> None:
        super().__init__(errors)
        self._converter = _Converter("UTF-8", EUC_TW_ICONV)
        self._pending = b""

    def decode(self, input: Buffer, final: bool = False) -> str:
        data = self._pending + bytes(input)
        self._pending = b""
        parts: list[str] = []
        position = 0
        while position < len(data):
            end = min(len(data), position + ICONV_CHUNK_BYTES)
            output, position, code = self._converter.run(data, position, end)
            parts.append(output.decode("utf-8"))
            if code in (0, errno.E2BIG):  # done, or the output buffer filled: go on
                continue
            if code == errno.EINVAL and end < len(data):
                continue  # a character cut at this chunk's end: the next chunk starts with it
            if code == errno.EINVAL and not final:
                self._pending = data[position:]  # a character cut at the chunk's end
                break
            end = len(data) if code == errno.EINVAL else position + 1
            if self.errors == "strict":
                raise UnicodeDecodeError("euc_tw", data, position, end, "illegal sequence")
            parts.append("\ufffd")
            position = end
        return "".join(parts)

    def reset(self) -> None:
        self._pending = b""

    def getstate(self) -> tuple[bytes, int]:
        return self._pending, 0

    def setstate(self, state: tuple[bytes, int]) -> None:
        self._pending = state[0]


def _euc_tw_decode(data: Buffer, errors: str = "strict") -> tuple[str, int]:
    return EucTwIncrementalDecoder(errors).decode(bytes(data), final=True), len(bytes(data))


def _euc_tw_encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
    output, position, code = _Converter(EUC_TW_ICONV, "UTF-8").run(text.encode("utf-8"), 0)
    if code:
        consumed = len(text.encode("utf-8")[:position].decode("utf-8", "ignore"))
        raise UnicodeEncodeError("euc_tw", text, consumed, consumed + 1, "not in CNS 11643")
    return output, len(text)


ESC, SO, SI = 0x1B, 0x0E, 0x0F
#: ISO-2022-CN designations (the bytes after ESC) and the set each puts in G1, G2 or G3:
#: GB 2312, ISO-IR-165 (a GB 2312 superset) or a plane of CNS 11643.
_DESIGNATIONS: dict[bytes, tuple[int, str]] = {
    b"$)A": (1, "gb2312"),
    b"$)E": (1, "iso-ir-165"),
    b"$)G": (1, "cns1"),
    b"$*H": (2, "cns2"),
    **{b"$+" + bytes([0x46 + plane]): (3, f"cns{plane}") for plane in range(3, 8)},
}


def _iso2022_cn_char(charset: str, first: int, second: int) -> str:
    """One character of a 94x94 set from its two 7-bit bytes (UnicodeDecodeError if none)."""
    pair = bytes([first | 0x80, second | 0x80])
    if charset == "gb2312":
        return pair.decode("gb2312")
    if charset == "iso-ir-165":
        return pair.decode("gb18030")
    plane = int(charset[3:])
    return (pair if plane == 1 else bytes([0x8E, 0xA0 + plane]) + pair).decode("euc_tw")


class Iso2022CnIncrementalDecoder(codecs.BufferedIncrementalDecoder):
    """ISO-2022-CN(-EXT) bytes to text; the designations and shift state span chunks."""

    def __init__(self, errors: str = "strict") -> None:
        super().__init__(errors)
        self._sets: dict[int, str] = {}
        self._shifted = False

    def reset(self) -> None:
        super().reset()
        self._sets = {}
        self._shifted = False

    def _buffer_decode(self, input: Buffer, errors: str, final: bool) -> tuple[str, int]:
        data = bytes(input)
        parts: list[str] = []
        position = 0

        def bad(start: int, end: int, reason: str) -> None:
            if errors == "strict":
                raise UnicodeDecodeError("iso2022_cn", data, start, end, reason)
            parts.append("\ufffd")

        while position < len(data):
            byte = data[position]
            if byte == ESC:
                designation = data[position + 1 : position + 4]
                if designation in _DESIGNATIONS:
                    graphic, charset = _DESIGNATIONS[designation]
                    self._sets[graphic] = charset
                    position += 4
                    continue
                single = data[position + 1 : position + 2]
                if single in (b"N", b"O") and len(data) >= position + 4:
                    charset = self._sets.get(2 if single == b"N" else 3, "")
                    try:
                        parts.append(
                            _iso2022_cn_char(charset, data[position + 2], data[position + 3])
                        )
                    except (UnicodeDecodeError, ValueError):
                        bad(position, position + 4, "no character there")
                    position += 4
                    continue
                if not final and len(data) - position < 4:
                    break  # an escape sequence cut at the chunk's end
                bad(position, position + 1, "unknown escape sequence")
                position += 1
            elif byte == SO:
                if 1 not in self._sets:
                    bad(position, position + 1, "shift out before any designation")
                self._shifted = True
                position += 1
            elif byte == SI:
                self._shifted = False
                position += 1
            elif byte >= 0x80:
                bad(position, position + 1, "8-bit byte in 7-bit text")
                position += 1
            elif self._shifted and byte > 0x20:
                if position + 1 >= len(data) and not final:
                    break
                second = data[position + 1] if position + 1 < len(data) else 0
                try:
                    parts.append(_iso2022_cn_char(self._sets.get(1, "gb2312"), byte, second))
                except (UnicodeDecodeError, ValueError):
                    bad(position, position + 2, "no character there")
                position += 2
            else:
                if byte in (0x0A, 0x0D):
                    self._shifted = False  # RFC 1922: a shifted run ends with its line
                parts.append(chr(byte))
                position += 1
        return "".join(parts), position


def _iso2022_cn_decode(data: Buffer, errors: str = "strict") -> tuple[str, int]:
    return Iso2022CnIncrementalDecoder(errors).decode(bytes(data), final=True), len(bytes(data))


def _decode_only(text: str, errors: str = "strict") -> tuple[bytes, int]:
    raise UnicodeEncodeError("iso2022_cn", text, 0, len(text), "culpa only decodes ISO-2022-CN")


@cache
def _search(name: str) -> codecs.CodecInfo | None:
    codec = CODEC_ALIASES.get(name.replace("-", "_"))
    if codec == "euc_tw" and available(EUC_TW_ICONV):
        return codecs.CodecInfo(
            encode=_euc_tw_encode,
            decode=_euc_tw_decode,
            name="euc_tw",
            incrementaldecoder=EucTwIncrementalDecoder,
        )
    if codec == "iso2022_cn":
        return codecs.CodecInfo(
            encode=_decode_only,
            decode=_iso2022_cn_decode,
            name="iso2022_cn",
            incrementaldecoder=Iso2022CnIncrementalDecoder,
        )
    return None


_registered = False


def register_codecs() -> None:
    """Make EUC-TW and ISO-2022-CN(-EXT) Python codecs (once per process)."""
    global _registered
    if not _registered:
        codecs.register(_search)
        _registered = True
