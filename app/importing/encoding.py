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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class EncodingGuess:
    """The codec to read a file with, how sure the guess is ("certain", "likely", "weak"), the
    other encodings worth trying, and what to tell the user (None when there is nothing)."""

    codec: str
    confidence: str = "certain"
    alternatives: tuple[str, ...] = ()
    note: str | None = None
    # a byte-order mark that the bytes after it contradict: the file cannot be read as it says
    contradiction: str | None = None


def detect_encoding(raw: bytes) -> str:
    """The Python codec name for a sample of a file's bytes (its first megabyte, say)."""
    return guess_encoding(raw).codec


def guess_encoding(raw: bytes) -> EncodingGuess:
    """The encoding of a sample of a file's bytes, with how sure the guess is."""
    by_bom = bom_encoding(raw)
    if by_bom:
        return _check_bom(raw, by_bom)
    utf16 = _utf16_without_bom(raw)
    if utf16:
        return EncodingGuess(utf16, "likely", ("utf-8",))
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(raw, final=False)
    invalid = text.count("\ufffd")
    if not invalid:
        return EncodingGuess("utf-8")
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - invalid
    # Real UTF-8 text with a few stray bytes: keep UTF-8 (stray bytes fall back per character).
    if multibyte and invalid <= max(2, multibyte // 4):
        return EncodingGuess(
            "utf-8",
            "likely",
            ("cp1252",),
            f"{invalid:,} byte(s) in the first part of the file are not UTF-8; each was read "
            "as a Windows-1252 character",
        )
    asian = _asian_guess(raw[:100_000])
    if asian is not None:
        return asian
    if multibyte >= 2 and multibyte * 10 >= invalid:
        # UTF-8 and a code page mixed in one file (lines pasted from two programs): UTF-8
        # with the stray bytes read as Windows-1252 gets both parts right
        return EncodingGuess(
            "utf-8",
            "weak",
            ("cp1252", "cp1250"),
            f"the file mixes UTF-8 with another encoding ({invalid:,} bytes in the first part "
            "are not UTF-8 and were read as Windows-1252); check accented names",
        )
    return _guess_code_page_with_confidence(raw)


def _check_bom(raw: bytes, codec: str) -> EncodingGuess:
    """A byte-order mark decides, unless the bytes after it say otherwise."""
    body = raw[4:4100] if codec == "utf-32" else raw[2:4098] if codec == "utf-16" else raw[3:]
    if codec in ("utf-16", "utf-32") and body:
        unit = 4 if codec == "utf-32" else 2
        try:
            text = codecs.getincrementaldecoder(codec)(errors="strict").decode(
                raw[: len(raw) - len(raw) % unit], final=False
            )
            decodes = True
        except UnicodeError:
            text, decodes = "", False
        # every line of a real UTF-16 table ends in a line break of its own code unit; bytes
        # of an 8-bit text read as UTF-16 pair up into other characters and lose them
        lost_breaks = (b"\n" in body or b"\r" in body) and not ("\n" in text or "\r" in text)
        if not decodes or lost_breaks:
            other = "UTF-8" if _valid_utf8(body) else "an 8-bit encoding"
            return EncodingGuess(
                codec,
                contradiction=f"starts with a {codec.upper()} byte-order mark but its text is "
                f"{other}; choose the encoding by hand (for example UTF-8) or save the file again "
                "as UTF-8",
            )
    if codec == "utf-8-sig":
        text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(body, final=False)
        invalid = text.count("\ufffd")
        if invalid:
            return EncodingGuess(
                codec,
                "weak",
                ("cp1252",),
                f"the file says it is UTF-8 but {invalid:,} byte(s) in its first part are not; "
                "each was read as a Windows-1252 character",
            )
    return EncodingGuess(codec)


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


def _valid_utf8(data: bytes) -> bool:
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(data, final=False)
    return "\ufffd" not in text


_ASIAN = ("cp932", "euc_jp", "gb18030", "big5", "euc_kr")
_ASIAN_NAMES = {
    "cp932": "Shift-JIS", "euc_jp": "EUC-JP", "gb18030": "GB18030", "big5": "Big5",
    "euc_kr": "EUC-KR", "cp1251": "Windows-1251", "koi8_r": "KOI8-R", "cp1252": "Windows-1252",
    "cp1250": "Windows-1250", "cp1254": "Windows-1254", "cp1257": "Windows-1257",
    "cp1253": "Windows-1253", "utf-8": "UTF-8",
}  # fmt: skip


def encoding_label(codec: str) -> str:
    """The name users know an encoding by ("Shift-JIS" for cp932)."""
    name = codecs.lookup(codec).name
    return _ASIAN_NAMES.get(name, name)


def _script(ch: str) -> str:
    code = ord(ch)
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF:
        return "kana"
    if 0x4E00 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF:
        return "han"
    if 0xAC00 <= code <= 0xD7A3 or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E:
        return "punct"
    if 0xFF61 <= code <= 0xFF9F:
        return "halfwidth"
    return "other"


_EXPECTED = {
    "cp932": {"kana": 2, "han": 1, "punct": 1, "halfwidth": 0},
    "euc_jp": {"kana": 2, "han": 1, "punct": 1, "halfwidth": 0},
    "gb18030": {"han": 1, "punct": 1},
    "big5": {"han": 1, "punct": 1},
    "euc_kr": {"hangul": 2, "punct": 1},
}


def _asian_score(text: str, codec: str) -> tuple[float, int]:
    """(share of the non-ASCII characters that belong to the codec's scripts, weighted count)."""
    weights = _EXPECTED[codec]
    total = good = score = 0
    for match in _NON_ASCII_RUN.finditer(text):
        run = match.group()
        start, end = match.start(), match.end()
        glued = (start and text[start - 1].isalpha()) and (end < len(text) and text[end].isalpha())
        for ch in run:
            if ch.isspace():
                continue
            total += 1
            weight = weights.get(_script(ch))
            if weight is None or glued:
                continue
            good += 1
            score += weight
    return (good / total if total else 0.0), score


def _asian_guess(sample: bytes) -> EncodingGuess | None:
    cut = sample.rfind(b"\n")
    body = sample[: cut + 1] if cut > 0 else sample
    accepted: list[tuple[int, str]] = []
    for codec in _ASIAN:
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        share, score = _asian_score(text, codec)
        if share >= 0.9 and score >= 2:
            accepted.append((score, codec))
    if not accepted:
        return None
    accepted.sort(reverse=True)
    best = accepted[0][1]
    if len(accepted) > 1 and accepted[0][0] == accepted[1][0]:
        tied = [c for score, c in accepted if score == accepted[0][0]]
        best = _normalizer_choice(body, tied) or tied[0]
    others = tuple(c for _s, c in accepted if c != best)
    weak = bool(others) and accepted[0][0] < 1.2 * (accepted[1][0] if len(accepted) > 1 else 0)
    note = (
        f"the encoding was guessed as {encoding_label(best)}, but "
        f"{', '.join(encoding_label(c) for c in others)} would also read the file; "
        "check the names and choose another encoding if they look wrong"
        if weak
        else None
    )
    return EncodingGuess(best, "weak" if weak else "likely", others, note)


def _normalizer_choice(sample: bytes, candidates: list[str]) -> str | None:
    from charset_normalizer import from_bytes

    try:
        match = from_bytes(sample, cp_isolation=candidates).best()
    except Exception:  # a heuristic's failure only means "no opinion"
        return None
    if match is None:
        return None
    name = codecs.lookup(match.encoding).name
    return name if name in candidates else None


_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]{2,}")
_WELL_CASED = re.compile(r"^[\u0400-\u042f]?[\u0430-\u045f]+$|^[\u0400-\u042f]+$")


def _cyrillic_case_score(text: str) -> int:
    """Words that are cased as words are (Capital + small letters, or all capitals), minus
    the others: what tells Windows-1251 from KOI8-R, which swap the two cases."""
    score = 0
    for word in _CYRILLIC_WORD.findall(text):
        score += 1 if _WELL_CASED.match(word) else -1
    return score


def _guess_code_page_with_confidence(raw: bytes) -> EncodingGuess:
    sample = raw[:100_000]
    scores = {cp: _plausibility(sample.decode(cp, errors="replace"), cp) for cp in _CODE_PAGES}
    best = _guess_code_page(raw)
    if best == "cp1251":
        koi = _cyrillic_case_score(sample.decode("koi8_r", errors="replace"))
        win = _cyrillic_case_score(sample.decode("cp1251", errors="replace"))
        if koi > win:
            return EncodingGuess("koi8_r", "likely", ("cp1251",))
        return EncodingGuess("cp1251", "likely" if win > koi else "weak", ("koi8_r",))
    ranked = sorted(_CODE_PAGES, key=lambda cp: -scores[cp])
    others = tuple(cp for cp in ranked if cp != best)[:2]
    top = scores[best]
    runner_up = max((scores[cp] for cp in _CODE_PAGES if cp != best), default=0)
    # a code page as plausible as the best one that reads the file otherwise (a Czech "Č" is
    # a Western "È": both are letters) leaves the choice open however long the file
    text = sample.decode(best, errors="replace")
    rivals = [
        cp
        for cp in ranked
        if cp != best and scores[cp] >= top and sample.decode(cp, errors="replace") != text
    ]
    if rivals:
        others = tuple(dict.fromkeys([*rivals, *others]))[:2]
    if top <= 0 or (top - runner_up <= 1 and top < 6) or rivals:
        return EncodingGuess(
            best,
            "weak",
            others,
            f"the encoding could not be told for sure; it was read as {encoding_label(best)} "
            f"(other candidates: {', '.join(encoding_label(c) for c in others)}); check "
            "accented names and choose another encoding if they look wrong",
        )
    return EncodingGuess(best, "likely", others)


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
    """Control characters a text table never holds, in numbers (not a stray few)."""
    if not text:
        return False
    sample = text[:65536]
    controls = len(_CONTROL_RE.findall(sample))
    # stray NUL bytes in a text table cost only their rows (the readers remove them and say
    # so); a file is binary when such bytes are a real share of it
    return controls > max(16, len(sample) // 20)
