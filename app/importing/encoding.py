"""Which text encoding a file uses, decided with care (FORMATS.md, "Known traps").

Order: a byte-order mark decides; then UTF-16 without a BOM (every other byte NUL); then UTF-8,
checked byte by byte over the whole sample — a UTF-8 file with a few stray bytes stays UTF-8
(each stray byte is read as Windows-1252, costing at most that character); only a file that
is clearly not UTF-8 goes to charset-normalizer, restricted to the Windows code pages, and
Windows-1252 wins whenever the text reads as Western European.
"""

from __future__ import annotations

import codecs
import io
import re
from pathlib import Path
from typing import BinaryIO

from app.importing.errors import ImportFileError

# How much of a file the guesses look at.
SAMPLE_BYTES = 1 << 20

# Decoding error handler: a byte that is not UTF-8 is read as Windows-1252 (what such a stray
# byte almost always is: a non-breaking space, an "é" typed in another program…).
FALLBACK_ERRORS = "winnow-cp1252-fallback"

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Windows code pages a file without a BOM that is not UTF-8 may be in, in order of preference
# (Excel on Windows writes the system's code page; Western Europe first).
_CODE_PAGES = ("cp1252", "cp1250", "cp1254", "cp1257", "cp1251", "cp1253")

_WESTERN = "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜßàáâãäåæçèéêëìíîïñòóôõöøùúûüÿŒœŠšŽžŸ"
# Letters each code page's languages use (a letter outside its set counts against it).
_LETTERS: dict[str, frozenset[str]] = {
    "cp1252": frozenset(_WESTERN),
    "cp1250": frozenset("ĄĆĘŁŃÓŚŹŻąćęłńóśźżČĎĚŇŘŠŤŮŽčďěňřšťůžÁÉÍÓÚáéíóúŐŰőűÄÖÜßäöüÔô"),
    "cp1254": frozenset("ÇĞİÖŞÜçğıöşüÂâÎîÛûÄäÉéÈèÀàÁáÍíÓóÚúÑñß"),
    "cp1257": frozenset("ĄąČčĘęĖėĮįŠšŲųŪūŽžĀāĒēĢģĪīĶķĻļŅņŌōŖŗÄÖÜÕäöüõ"),
    "cp1251": frozenset(chr(c) for c in range(0x400, 0x460)),
    "cp1253": frozenset(chr(c) for c in range(0x386, 0x3D0)),
}
_SCRIPTS = frozenset({"cp1251", "cp1253"})  # not Latin: whole words outside ASCII
_NEUTRAL = frozenset("’´·–—«»‘“”„…•")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f]")


def _fallback_handler(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = bytes(exc.object[exc.start : exc.end])
    return bad.decode("cp1252", errors="replace"), exc.end


codecs.register_error(FALLBACK_ERRORS, _fallback_handler)


def bom_encoding(raw: bytes) -> str | None:
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    return None


def detect_encoding(raw: bytes) -> str:
    """The Python codec name for a sample of a file's bytes (its first megabyte, say)."""
    by_bom = bom_encoding(raw)
    if by_bom:
        return by_bom
    utf16 = _utf16_without_bom(raw)
    if utf16:
        return utf16
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(raw, final=False)
    invalid = text.count("\ufffd")
    if not invalid:
        return "utf-8"
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - invalid
    # Real UTF-8 text with a few stray bytes: keep UTF-8 (stray bytes fall back per character).
    if multibyte and invalid <= max(2, multibyte // 4):
        return "utf-8"
    return _guess_code_page(raw)


def _utf16_without_bom(raw: bytes) -> str | None:
    sample = raw[:4096]
    if len(sample) < 8:
        return None
    even_zero = sample[0::2].count(0)
    odd_zero = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_zero > 0.4 * half and even_zero < 0.05 * half:
        return "utf-16-le"
    if even_zero > 0.4 * half and odd_zero < 0.05 * half:
        return "utf-16-be"
    return None


def _guess_code_page(raw: bytes) -> str:
    """The Windows code page under which the sample reads as the most plausible text.

    charset-normalizer alone is unreliable on short files (a few French names come out as
    Central European), so each candidate is scored on the letters its languages use; ties go
    to the earlier code page (Windows-1252 first), and charset-normalizer only decides when no
    code page shows any evidence.
    """
    sample = raw[:100_000]
    scores = {cp: _plausibility(sample.decode(cp, errors="replace"), cp) for cp in _CODE_PAGES}
    top = max(scores.values())
    tied = [cp for cp in _CODE_PAGES if scores[cp] == top]
    if tied[0] == "cp1252" or len(tied) == 1:
        return tied[0]
    from charset_normalizer import from_bytes

    try:
        match = from_bytes(sample, cp_isolation=tied).best()
    except Exception:  # a heuristic's failure only means "no opinion"
        match = None
    return codecs.lookup(match.encoding).name if match is not None else tied[0]


def _plausibility(text: str, code_page: str) -> int:
    """Points for letters the code page's languages use, minus points for oddities: a symbol
    inside a word ("Wa³êsa"), long runs of accented letters in a Latin script, a Cyrillic or
    Greek letter glued to a Latin one, undecodable bytes."""
    letters = _LETTERS[code_page]
    script = code_page in _SCRIPTS
    score = 0
    for match in _NON_ASCII_RUN.finditer(text):
        run = match.group()
        start, end = match.start(), match.end()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if script:
            if before.isalpha() or after.isalpha():
                score -= 2 * len(run)  # glued to ASCII letters: not a word of this script
            else:
                score += sum(1 if ch in letters else -1 for ch in run if not ch.isspace())
            continue
        consecutive = 0
        for i, ch in enumerate(run):
            if ch in letters:
                consecutive += 1
                score += 1 if consecutive <= 2 else -3
            elif ch == "\ufffd":
                score -= 3
                consecutive = 0
            elif ch.isalpha():
                score -= 1
                consecutive += 1
            else:
                consecutive = 0
                if ch.isspace() or ch in _NEUTRAL:
                    continue
                previous = run[i - 1] if i else before
                following = run[i + 1] if i + 1 < len(run) else after
                if previous.isalpha() and following.isalpha():
                    score -= 3
    return score


def open_text(path: Path, encoding: str) -> io.TextIOWrapper:
    """The file as a text stream that never raises on a bad byte (newline='' for csv)."""
    name = codecs.lookup(encoding).name
    errors = FALLBACK_ERRORS if name in ("utf-8", "utf-8-sig") else "replace"
    raw: BinaryIO = open(path, "rb")  # noqa: SIM115 - handed to the wrapper, closed with it
    try:
        return io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="")
    except Exception:
        raw.close()
        raise


_UNSUITABLE_CODECS = frozenset(
    {"undefined", "idna", "punycode", "unicode-escape", "raw-unicode-escape", "utf-7"}
)


def text_codec(name: str) -> str | None:
    """The codec's canonical name if it decodes text files, else None ("zlib", "rot13"…)."""
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _UNSUITABLE_CODECS:
        return None
    return info.name


def check_encoding_name(encoding: str) -> str:
    name = text_codec(encoding)
    if name is None:
        raise ImportFileError(f"unknown text encoding {encoding!r}")
    return name


def decode_sample(raw: bytes, encoding: str) -> str:
    """A sample decoded like the stream will be (an incomplete last character is dropped)."""
    name = codecs.lookup(encoding).name
    errors = FALLBACK_ERRORS if name in ("utf-8", "utf-8-sig") else "replace"
    return codecs.getincrementaldecoder(encoding)(errors=errors).decode(raw, final=False)


def looks_binary(text: str) -> bool:
    """Control characters a text table never holds (beyond a stray one or two)."""
    if not text:
        return False
    sample = text[:65536]
    controls = len(_CONTROL_RE.findall(sample))
    return controls > max(2, len(sample) // 100)
