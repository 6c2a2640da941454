"""A contact's e-mail addresses, phone numbers and postal addresses as an import reads them:
each with its kind and whether it is the primary one.

Kinds are canonical words — "work", "home", "mobile", "fax", "pager", "main", "other" — read
from a label ("* Mobile", "_$!<Work>!$_" already unwrapped, "privé") or from a column header
("Business Fax", "Telefon privat", "Werkadres") in the languages address books are exported
in; ``label`` keeps the file's own word when it says more than the kind ("Assistant").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from app.importing.headers import normalize_header

# canonical kind -> words that mean it (compared after normalize_header, as substrings);
# order matters: "Business Fax" is a fax, "Home Mobile" a mobile
_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fax", ("fax", "telecopie", "facsimile", "ファクス", "ファックス", "传真", "傳真", "팩스",
             "факс")),
    ("pager", ("pager", "piepser", "pieper", "semafoon", "buscapersonas", "cercapersone",
               "bip", "ポケベル", "pagernumber",
               "radiomessagerie")),
    ("mobile", ("mobile", "mobil", "cell", "handy", "portable", "movil", "celular",
                "cellulare", "mobiel", "gsm", "iphone", "komorka", "telemovel", "携帯",
                "手机", "手機", "휴대", "мобил", "сотов")),
    ("work", ("work", "business", "office", "geschaft", "dienst", "arbeit", "buro",
              "bureau", "travail", "professionnel", "trabajo", "oficina", "lavoro", "ufficio",
              "werk", "zakelijk", "kantoor", "trabalho", "comercial", "praca", "służb",
              "sluzb", "firm", "company", "勤務先", "会社", "仕事", "工作", "单位", "公司", "직장",
              "раб", "служеб")),
    ("home", ("home", "privat", "prive", "domicile", "casa", "thuis", "personal",
              "personnel", "personl", "particular", "residencial", "自宅", "住宅",
              "집", "дом")),
    ("main", ("main", "primary", "zentrale", "principal", "standard")),
    ("other", ("other", "weitere", "andere", "sonstige", "autre", "otro", "otra", "altro",
               "overig", "outro", "inne", "その他", "其他", "기타", "друг")),
)  # fmt: skip


def kind_of(text: str) -> str:
    """The canonical kind a label or header names, or "" when it names none."""
    if len(text) <= 200:  # a header or a label, the same ones row after row
        return _kind_of(text)
    return _find_kind(text)


def _find_kind(text: str) -> str:
    key = normalize_header(text)
    if not key:
        return ""
    for kind, words in _KIND_WORDS:
        for word in words:
            if word in key:
                return kind
    return ""


_kind_of = lru_cache(maxsize=4096)(_find_kind)


@dataclass
class ContactPoint:
    """An e-mail address or phone number of a contact."""

    value: str
    kind: str = ""  # canonical kind, "" when the file says none
    label: str = ""  # the file's own label when it says more than the kind
    primary: bool = False

    def title(self, what: str) -> str:
        """ "Phone (mobile)", "E-mail (Assistant)": the name of an extra field holding it."""
        said = self.label or self.kind
        return f"{what} ({said})" if said else what


@dataclass
class PostalAddress:
    street: str = ""
    po_box: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""
    kind: str = ""
    label: str = ""
    primary: bool = False

    def is_empty(self) -> bool:
        return not any(
            (self.street, self.po_box, self.city, self.region, self.postcode, self.country)
        )

    def one_line(self) -> str:
        """The address on one line: "Hauptstr. 5, PO Box 12, 30159 Hannover, NI, Germany"."""
        street = self.street
        if street:
            street = ", ".join(line.strip() for line in street.splitlines() if line.strip())
        po_box = self.po_box
        if po_box and not any(ch.isalpha() for ch in po_box):
            po_box = f"PO Box {po_box}"
        postcode, city = self.postcode, self.city
        town = f"{postcode} {city}" if postcode and city else postcode or city
        return ", ".join([p for p in (street, po_box, town, self.region, self.country) if p])

    def title(self) -> str:
        said = self.label or self.kind
        return f"Address ({said})" if said else "Address"


def split_label(label: str) -> tuple[str, bool]:
    """(label without Google's "* " primary mark, whether it had it)."""
    text = " ".join(label.split())
    if text.startswith("*"):
        return text.lstrip("* ").strip(), True
    return text, False


def label_and_kind(label: str, fallback: str = "") -> tuple[str, str]:
    """(kind, label worth keeping) for a file's label; the fallback kind comes from the
    column header."""
    kind = kind_of(label) or fallback
    keep = label if label and normalize_header(label) != normalize_header(kind) else ""
    if keep and kind and normalize_header(keep) in ("", normalize_header(kind)):
        keep = ""
    return kind, keep
