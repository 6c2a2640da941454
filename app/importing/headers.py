"""Column headers of real exports and what they mean, plus finding the header row in a file.

Headers are compared after ``normalize_header``: casefolded, accents folded, everything but
letters and digits dropped ("E-Mail 2: Adresse" -> "email2adresse"). A header that is not in
the table is tried once more without its digits, which covers numbered groups
("E-mail 3 - Value", "Address 2 - City", "Business Phone 2").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Winnow field key -> headers that mean it (English exports and templates, then DE/FR/ES/IT/NL).
# fmt: off
SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": (
        "First Name", "Given Name", "Firstname", "First", "Forename", "Given Names",
        "Vorname", "Prénom", "Prenom", "Nombre de pila", "Voornaam", "Roepnaam",
        "Primeiro nome", "Imię", "Imie", "名", "名 (ふりがな)", "이름",
        "Имя",
    ),
    "last_name": (
        "Last Name", "Surname", "Family Name", "Lastname", "Last", "Nachname", "Familienname",
        "Nom de famille", "Apellido", "Apellidos", "Primer apellido", "Cognome", "Achternaam",
        "Sobrenome", "Apelido", "Nazwisko", "姓", "성",
        "Фамилия",
    ),
    "name": (
        "Full Name", "Name", "Display Name", "Contact Name", "Contact", "Contact Person",
        "Person", "Attendee", "Attendee Name", "Visitor", "Visitor Name", "Lead Name",
        "Vollständiger Name", "Ansprechpartner", "Kontakt", "Kontaktperson", "Besucher",
        "Nom complet", "Nombre completo", "Nome completo", "Naam", "Volledige naam",
        "Contactpersoon",
        "Weergavenaam", "Anzeigename", "Nom à afficher", "Nombre para mostrar",
        "Nome visualizzato", "Nome de exibição", "Nazwa wyświetlana", "表示名", "显示名称",
        "氏名", "名前", "姓名", "File As",
    ),
    "email": (
        "Email", "E-mail", "E-mail Address", "Email Address", "Mail", "E-mail Value",
        "Work Email", "Business Email", "Email Work", "Primary Email", "E-mail Adresse",
        "E-Mail-Adresse", "E-Mail Adresse", "Mailadresse", "E-mail: Adresse",
        "Courriel", "Adresse e-mail", "Adresse mail", "Adresse électronique", "Mél",
        "Correo", "Correo electrónico", "Correo electronico", "Dirección de correo",
        "Email lavoro", "Indirizzo email", "Indirizzo e-mail", "Posta elettronica",
        "E-mailadres", "Emailadres", "Mailadres",
        "Primary Email", "Primair e-mailadres", "Primäre E-Mail-Adresse",
        "Adresse électronique principale", "Correo electrónico principal",
        "Indirizzo email principale", "E-mail principal", "Podstawowy adres e-mail",
        "E-mail Address", "Adresse de messagerie", "Dirección de correo electrónico",
        "Dirección del correo electrónico", "Indirizzo posta elettronica", "Endereço de email",
        "Endereço de e-mail", "Adres e-mail", "電子メール アドレス", "メールアドレス",
        "电子邮件地址", "电子邮件", "電子郵件", "이메일", "E-mail Value",
        "Адрес эл. почты", "Адрес электронной почты", "Электронная почта", "Эл. почта", "MailAddress", "InternetAddress",
    ),
    "email_2": (
        "Other Email", "Secondary Email", "Private Email", "Personal Email", "Home Email",
        "Alternative Email", "Email 2", "E-Mail privat", "E-mail (privé)", "Correo personal",
        "Secondary Email", "Secundair e-mailadres", "Sekundäre E-Mail-Adresse",
        "Adresse électronique secondaire", "Correo electrónico secundario",
        "Indirizzo email secondario", "E-mail secundário", "Dodatkowy adres e-mail",
        "Other e-mails",
    ),
    "phone": (
        "Phone", "Phone Number", "Telephone", "Telephone Number", "Tel", "Phone Value",
        "Business Phone", "Work Phone", "Office Phone", "Direct Phone", "Primary Phone",
        "Company Main Phone", "Company Phone", "Home Phone", "Main Phone", "Landline",
        "Telefon", "Telefonnummer", "Telefon geschäftlich", "Telefon Firma", "Festnetz",
        "Durchwahl", "Rufnummer", "Telefon privat", "Haupttelefon",
        "Téléphone", "Tél", "Téléphone fixe", "Téléphone professionnel", "Numéro de téléphone",
        "Teléfono", "Telefono", "Teléfono fijo", "Teléfono del trabajo", "Numero di telefono",
        "Telefoon", "Telefoonnummer", "Telefoon werk",
        "Car Phone", "Other Phone", "Callback", "Radio Phone", "Telex", "TTY/TDD Phone",
        "ISDN", "Assistant's Phone", "Pager", "Pager Number", "Piepernummer", "Telefon Assistent",
        "Weiteres Telefon", "Autotelefon", "Rückmeldung", "Telefon (geschäftlich)",
        "Téléphone (bureau)", "Téléphone (domicile)", "Autre téléphone", "Téléphone (voiture)",
        "Téléphone principal", "Téléphone travail", "Téléphone domicile", "Teléfono particular",
        "Otro teléfono", "Teléfono principal", "Teléfono de casa", "Telefono ufficio",
        "Telefono abitazione", "Altro telefono", "Telefono principale", "Telefoon op werk",
        "Telefoon thuis", "Andere telefoon", "Hoofdtelefoon", "Telefone comercial",
        "Telefone residencial", "Outro telefone", "Telefone principal", "Telefone",
        "Telefon służbowy", "Telefon domowy", "Inny telefon", "会社電話", "自宅電話",
        "その他の電話", "電話番号", "電話", "电话", "電話號碼", "전화", "전화번호", "Work Phone",
        "Home Phone", "Business Phone", "Telefono lavoro", "Telefono casa",
        "Рабочий телефон", "Телефон", "Домашний телефон", "Основной телефон", "Другой телефон", "OfficePhoneNumber", "PhoneNumber",
        "Téléphone de l'assistant(e)", "Rappel", "Téléphone société", "RNIS",
        "Radio téléphone", "Téléphone TDD/TTY", "Récepteur de radiomessagerie",
        "Telefon für Hörbehinderte",
    ),
    "mobile": (
        "Mobile", "Mobile Phone", "Mobile Phone Number", "Mobile Number", "Cell", "Cell Phone",
        "Cellphone", "Handy", "Mobil", "Mobiltelefon", "Mobilnummer", "Handynummer",
        "Portable", "Téléphone portable", "Téléphone mobile", "Móvil", "Movil",
        "Teléfono móvil", "Celular", "Cellulare", "Telefono cellulare", "Mobiel",
        "Mobiel nummer", "Mobiele telefoon", "GSM",
        "Mobile Number", "Tél. mobile", "Téléphone mobile", "Telemóvel", "Telefone celular",
        "Telefon komórkowy", "Komórka", "携帯電話", "手机", "手機", "휴대폰", "휴대전화",
        "Mobiltelefon 2", "Cellulare 2",
        "Мобильный телефон", "Сотовый телефон", "CellPhoneNumber",
    ),
    "company": (
        "Company", "Company Name", "Organization", "Organisation", "Organization Name",
        "Organisation Name", "Account Name", "Account", "Employer", "Business Name",
        "Firma", "Firmenname", "Unternehmen", "Firmierung", "Institution",
        "Société", "Entreprise", "Raison sociale", "Nom de l'entreprise",
        "Empresa", "Compañía", "Nombre de la empresa", "Azienda", "Società", "Ditta",
        "Ragione sociale", "Bedrijf", "Bedrijfsnaam", "Organisatie",
        "Organização", "Nazwa firmy", "Firma (nazwa)", "会社名", "会社", "公司", "회사",
        "Organisation", "Empresa/Organização",
        "Организация", "Компания", "Название организации",
    ),
    "title": (
        "Job Title", "Position", "Organization Title", "Job", "Job Function", "Role",
        "Designation", "Jobtitel", "Berufsbezeichnung", "Funktion", "Stellung",
        "Fonction", "Poste", "Intitulé du poste", "Cargo", "Puesto", "Ruolo",
        "Posizione", "Qualifica", "Mansione", "Functie", "Functietitel", "Occupation",
        "Werkfunctie", "Werktitel", "Stanowisko", "役職", "职位", "職稱", "직함", "Funktion",
        "Posição", "Cargo", "Função",
        "Должность",
    ),
    "department": (
        "Department", "Organization Department", "Division", "Abteilung", "Bereich",
        "Service", "Département", "Departamento", "Reparto", "Dipartimento", "Afdeling",
        "Dział", "部署", "部门", "部門", "부서",
        "Отдел",
    ),
    "website": (
        "Website", "Web Site", "Web Page", "Webpage", "Website URL", "Homepage", "Web",
        "Website Value", "Company Website", "Domain", "Company Domain Name", "Webseite",
        "Internetseite", "Internetadresse", "Site web", "Site internet", "Sitio web",
        "Página web", "Sito web", "Sito internet",
        "Webpagina", "Persoonlijke webpagina", "Page Web", "Page Web personnelle",
        "Pagina Web", "Pagina Web personale", "Página pessoal", "Strona WWW",
        "Strona sieci Web", "Web ページ", "ホームページ", "网页", "網頁", "홈페이지",
        "Personal Web Page", "Persönliche Webseite", "Home Page", "Work Web Page",
        "Business Home Page",
        "Веб-страница", "Веб-сайт",
    ),
    "city": (
        "City", "Town", "Business City", "Home City", "Other City", "Address City",
        "Mailing City", "Ort", "Stadt", "Ort geschäftlich", "Ort privat", "Wohnort",
        "Ville", "Ciudad", "Localidad", "Población", "Città", "Comune", "Località",
        "Plaats", "Woonplaats", "Stad",
        "Werklocatie", "Werkplaats", "Ville (bureau)", "Ville (domicile)", "Autre ville",
        "Ciudad del trabajo", "Ciudad de residencia", "Città ufficio", "Città abitazione",
        "Cidade", "Cidade comercial", "Cidade residencial", "Miasto", "Miejscowość",
        "市区町村", "都市", "城市", "市", "도시", "Work City", "Home City", "Weiterer Ort",
        "Город", "OfficeCity",
    ),
    "country": (
        "Country", "Country/Region", "Business Country/Region", "Home Country/Region",
        "Other Country/Region", "Address Country", "Mailing Country", "Country Code",
        "Land", "Land/Region geschäftlich", "Land/Region privat", "Staat",
        "Pays", "País", "Pais", "Paese", "Nazione",
        "Werkland", "Pays/Région", "Pays/Région (bureau)", "Pays/Région (domicile)",
        "País/Región", "Paese/Regione", "Land/Regio", "País/Região", "Kraj", "Kraj/Region",
        "国", "国/地域", "国家", "國家", "국가", "Work Country", "Home Country",
        "Land/Region", "Weiteres Land/Region",
        "Страна", "Страна или регион", "Страна/регион", "OfficeCountry",
        "Weiteres/e Land/Region",
    ),
    "industry": (
        "Industry", "Sector", "Branche", "Branchen", "Wirtschaftszweig", "Secteur",
        "Secteur d'activité", "Industria", "Settore", "Industrie",
    ),
    "company_size": (
        "Company Size", "No. of Employees", "Number of Employees", "Employees",
        "Employee Count", "Headcount", "Size", "Mitarbeiter", "Anzahl Mitarbeiter",
        "Mitarbeiterzahl", "Unternehmensgröße", "Effectif", "Nombre d'employés",
        "Taille de l'entreprise", "Empleados", "Número de empleados", "Tamaño de la empresa",
        "Dipendenti", "Numero di dipendenti", "Medewerkers", "Aantal medewerkers",
    ),
    "source": (
        "Source", "Lead Source", "Original Source", "Contact Source", "Event", "Trade Show",
        "Quelle", "Herkunft", "Lead-Quelle", "Kontaktquelle", "Messe", "Origine",
        "Source du lead", "Salon", "Fuente", "Origen", "Fuente del lead", "Feria", "Fonte",
        "Fiera", "Bron", "Beurs",
        "Origem",
    ),
    "notes": (
        "Notes", "Note", "Description", "Comments", "Comment", "Remarks", "Memo",
        "Notizen", "Notiz", "Bemerkung", "Bemerkungen", "Kommentar", "Kommentare",
        "Anmerkung", "Anmerkungen", "Beschreibung", "Remarque", "Remarques", "Commentaire",
        "Commentaires", "Notas", "Nota", "Comentario", "Comentarios", "Observaciones",
        "Descripción", "Commenti", "Descrizione", "Opmerking", "Opmerkingen", "Notitie",
        "Notities", "Omschrijving",
        "Aantekeningen", "Notatki", "Uwagi", "Anotações", "メモ", "备注", "備註", "메모",
        "Заметки", "Примечания",
    ),
    "tags": (
        "Tags", "Tag", "Labels", "Label", "Categories", "Category", "Group Membership",
        "Groups", "Kategorien", "Kategorie", "Schlagwörter", "Gruppen", "Catégories",
        "Étiquettes", "Categorías", "Etiquetas", "Categorie", "Etichette", "Categorieën",
        "Категории", "分類",
    ),
    "received_at": (
        "Inquiry Date", "Inquiry", "Date of Inquiry", "Inquiry Received", "Date Received",
        "Received", "Received At", "Request Date", "Submitted", "Submitted At",
        "Submission Date", "Form Submitted", "Anfragedatum", "Anfrage vom", "Eingang",
        "Eingangsdatum", "Date de la demande", "Fecha de solicitud", "Data richiesta",
        "Aanvraagdatum",
    ),
    "stage": (
        "Lifecycle Stage", "Lead Status", "Status", "Stage", "Lead Stage", "Deal Stage",
        "Lebenszyklusphase", "Phase", "Statut", "Estado", "Etapa", "Stato", "Fase",
    ),
    "consent": (
        "Consent", "Marketing Consent", "Email Opt Out", "Email Opt-In", "Opt In", "Opt-in",
        "Opt Out", "Newsletter", "GDPR Consent", "Marketing Opt-In", "Einwilligung",
        "Werbeeinwilligung", "DSGVO Einwilligung", "Consentement", "Consentimiento",
        "Consenso", "Toestemming",
    ),
    "linkedin": ("LinkedIn", "LinkedIn URL", "LinkedIn Profile", "LinkedIn-Profil"),
    "fax": (
        "Fax", "Business Fax", "Home Fax", "Other Fax", "Fax Number", "Faxnummer", "Telefax",
        "Fax geschäftlich", "Fax privat", "Weiteres Fax", "Télécopie", "Télécopie (bureau)",
        "Télécopie (domicile)", "Fax del trabajo", "Fax particular", "Fax ufficio",
        "Fax abitazione", "Fax op werk", "Fax thuis", "Fax comercial", "Fax residencial",
        "Faks", "Faks służbowy", "Faks domowy", "会社ファックス", "自宅ファックス", "ファックス",
        "传真", "傳真", "팩스", "Work Fax",
        "Факс", "Рабочий факс", "Домашний факс", "Факс (раб.)", "Факс (дом.)", "OfficeFAXPhoneNumber", "HomeFAXPhoneNumber", "会社 FAX", "自宅 FAX",
    ),
    "street": (
        "Street", "Address Street", "Business Street", "Home Street", "Other Street",
        "Street Address", "Address Line", "Address Line 1", "Mailing Street", "Billing Street",
        "Home Address", "Work Address", "Address Extended Address", "Straße", "Strasse",
        "Straße geschäftlich", "Straße privat", "Weitere Straße", "Rue", "Rue (bureau)",
        "Rue (domicile)", "Autre rue", "Calle", "Calle del trabajo", "Calle particular",
        "Via", "Via ufficio", "Via abitazione", "Straat", "Werkadres", "Thuisadres",
        "Straat werk", "Rua", "Rua comercial", "Rua residencial", "Ulica", "番地", "住所 1",
        "街道", "도로명",
        "Улица", "OfficeStreetAddress",
    ),
    "po_box": (
        "PO Box", "P.O. Box", "Post Office Box", "Address PO Box", "Business Address PO Box",
        "Home Address PO Box", "Other Address PO Box", "Postfach", "Postfach geschäftlich",
        "Postfach privat", "Boîte postale", "BP", "Apartado de correos", "Apartado postal",
        "Casella postale", "Postbus", "Caixa postal", "Skrytka pocztowa", "私書箱",
    ),
    "postcode": (
        "Postal Code", "Postcode", "Zip", "Zip Code", "ZipCode", "Business Postal Code",
        "Home Postal Code", "Other Postal Code", "Address Postal Code", "Mailing Zip",
        "Post Code", "PLZ", "Postleitzahl", "Postleitzahl geschäftlich", "Postleitzahl privat",
        "Weitere Postleitzahl", "Code postal", "Code postal (bureau)", "Code postal (domicile)",
        "Código postal", "CAP", "Codice postale", "Werkpostcode", "CEP", "Kod pocztowy",
        "郵便番号", "邮政编码", "郵遞區號", "우편번호", "Work ZipCode", "Home ZipCode",
        "Индекс", "Почтовый индекс", "OfficeZIP",
    ),
    "region": (
        "State", "Region", "State/Region", "State/Province", "Province", "Business State",
        "Home State", "Other State", "Address Region", "Mailing State", "Bundesland",
        "Bundesland/Kanton", "Bundesland/Kanton geschäftlich", "Bundesland/Kanton privat",
        "Kanton", "Région", "Province (bureau)", "Dép/Région (bureau)", "Provincia",
        "Regione", "Provincie", "Werkprovincie", "Województwo", "都道府県",
        "省", "省份", "시/도", "Work State", "Home State",
        "Область", "Край", "OfficeState",
        "Region geschäftlich", "Weiteres/r Bundesland/Kanton", "Dép/Région",
    ),
    "address": (
        "Address", "Address Formatted", "Full Address", "Mailing Address", "Postal Address",
        "Business Address", "Anschrift", "Adresse", "Dirección", "Indirizzo", "Adres",
        "Endereço", "Morada", "Adres pocztowy", "住所", "地址", "주소",
    ),
    "label": (
        "E-mail Label", "E-mail Type", "Phone Label", "Phone Type", "Address Label",
        "Address Type", "Website Label", "Website Type",
    ),
}

# Headers of real exports that Winnow keeps as extra fields: they still tell the header row
# from a title row.
OTHER_KNOWN_HEADERS: tuple[str, ...] = (
    "Middle Name", "Additional Name", "Title", "Suffix", "Name Prefix", "Name Suffix",
    "Nickname", "Salutation", "Anrede", "Titel", "Civilité", "Tratamiento", "Saludo",
    "Titolo", "Aanhef", "Street", "Address", "Business Street", "Home Street", "Straße",
    "Strasse", "Adresse", "Dirección", "Indirizzo", "Adres", "Straat", "Zip", "Zip Code",
    "Postal Code", "Postcode", "PLZ", "Postleitzahl", "Code postal", "Código postal",
    "CAP", "State", "State/Region", "Region", "Province", "Bundesland", "Provincia",
    "Birthday", "Geburtstag", "URL", "Connected On", "Fax", "Business Fax", "Badge ID",
    "Badge", "Scan Date", "Scan Time", "Scanned", "Gescannt am", "Date", "Datum", "Rating",
    "Interest", "Interesse", "File As", "Photo", "Language", "Sprache", "Gender",
    "Geschlecht", "Anniversary", "Assistant's Name", "Manager's Name", "Office Location",
    "E-mail Type", "E-mail Display Name", "Phone Label", "E-mail Label", "Address Formatted",
    "Address Street", "Address Region", "Address Postal Code", "Annual Revenue", "Umsatz",
    "Jahresumsatz", "Revenue", "Owner", "Contact Owner", "Lead Owner", "Created", "Created At",
    "Erstellt am", "Keywords", "Profession", "Hobby", "Spouse", "Children", "Initials",
    "Email Domain", "Twitter", "Xing", "Nom", "Nombre", "Nome", "Location",
    "Обращение", "Отчество", "День рождения", "MiddleInitial",
)
# fmt: on

_DIGITS = re.compile(r"\d+")


def normalize_header(text: str) -> str:
    """Lookup key of a header: casefolded, accents folded, only letters and digits."""
    if len(text) <= _CACHED_LENGTH:  # headers, labels, countries: the same few, row after row
        return _normalized(text)
    return _normalize(text)


_CACHED_LENGTH = 200


def _normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if ch.isalnum() and not unicodedata.combining(ch))


_normalized = lru_cache(maxsize=8192)(_normalize)


def _build_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for field_key, names in SYNONYMS.items():
        for name in names:
            key = normalize_header(name)
            previous = table.setdefault(key, field_key)
            if previous != field_key:
                raise AssertionError(f"header {name!r} means both {previous} and {field_key}")
    return table


HEADER_TABLE: dict[str, str] = _build_table()
KNOWN_HEADERS: frozenset[str] = frozenset(HEADER_TABLE) | {
    normalize_header(h) for h in OTHER_KNOWN_HEADERS
}


def lookup_header(key: str) -> str | None:
    """Field for a normalised header, trying it again without digits (numbered groups)."""
    field_key = HEADER_TABLE.get(key)
    if field_key is None and any(ch.isdigit() for ch in key):
        field_key = HEADER_TABLE.get(_DIGITS.sub("", key))
    return field_key


def is_known_header(cell: str) -> bool:
    key = normalize_header(cell)
    if not key or len(key) > 60:
        return False
    return key in KNOWN_HEADERS or _DIGITS.sub("", key) in KNOWN_HEADERS


# --- finding the header row -----------------------------------------------------------------

_DATA_LIKE = re.compile(r"@|^[\d\s.,:/+()-]+$|^https?://", re.IGNORECASE)
_EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HEADER_SEARCH = 40


def find_header_row(records: Sequence[Sequence[str]]) -> int:
    """Index of the header among the first records of a file (title rows and notes above it).

    The header is the first row that names at least two known columns (or, when the file has
    none of those, the first row with enough distinct, non-data-looking cells). -1 when there
    is no header at all: the first row already holds an e-mail address.
    """
    candidates = list(records[:40])
    if not candidates:
        return 0
    filled = [[c.strip() for c in rec if c and c.strip()] for rec in candidates]
    widths = sorted(len(cells) for cells in filled if cells)
    if not widths:
        return 0
    typical = widths[len(widths) // 2]
    known = [sum(1 for c in set(cells) if is_known_header(c)) for cells in filled]
    best = max(known)
    first = next(cells for cells in filled if cells)
    if best < 2 and any(_EMAIL_LIKE.match(c) for c in first):
        return -1
    if best >= 2:
        needed = max(2, (best + 1) // 2)
        for i, count in enumerate(known):
            if count >= needed:
                return i
    for i, cells in enumerate(filled):
        if len(cells) < 2 and typical >= 2:
            continue
        if len(set(cells)) >= max(2, (typical * 6 + 9) // 10) and not any(
            _DATA_LIKE.search(c) for c in cells
        ):
            return i
    for i, cells in enumerate(filled):
        if cells:
            return i
    return 0


def _build_rank() -> dict[str, int]:
    rank: dict[str, int] = {}
    for names in SYNONYMS.values():
        for i, name in enumerate(names):
            rank.setdefault(normalize_header(name), i)
    return rank


# Position of a header among its field's synonyms: "Business Phone" beats "Home Phone".
HEADER_RANK: dict[str, int] = _build_rank()


def header_rank(key: str) -> int:
    rank = HEADER_RANK.get(key)
    if rank is None:
        rank = HEADER_RANK.get(_DIGITS.sub("", key), 1000)
    return rank


def clean_headers(cells: Sequence[str], width: int) -> list[str]:
    """Header names for ``width`` columns: trimmed, unique, blanks named "Column N"."""
    headers: list[str] = []
    seen: set[str] = set()
    for i in range(width):
        raw = cells[i] if i < len(cells) else ""
        name = " ".join(raw.replace("\ufeff", "").split()) or f"Column {i + 1}"
        unique = name
        n = 2
        while unique.casefold() in seen:
            unique = f"{name} ({n})"
            n += 1
        seen.add(unique.casefold())
        headers.append(unique)
    return headers


def used_width(cells: Sequence[str]) -> int:
    """Number of columns up to the last non-empty cell."""
    for i in range(len(cells) - 1, -1, -1):
        if cells[i] and cells[i].strip():
            return i + 1
    return 0


def locate_header(records: Sequence[Sequence[str]], start: int = 0) -> tuple[int, list[str]]:
    """(1-based row of the header, the column headers) for the first records of a file.

    ``start`` records (Excel's "sep=" line) cannot be the header. A file without a header row
    gets headers made from its data and header row ``start`` (0 for most files).
    """
    filled = [i for i in range(start, len(records)) if "".join(records[i]).strip()]
    if not filled:
        return 0, ["Column 1"]
    head = find_header_row([records[i] for i in filled[:_HEADER_SEARCH]])
    if head < 0:
        width = max(used_width(r) for r in records)
        return start, _headers_from_data(records[start:], width)
    index = filled[head]
    width = max([used_width(r) for r in records[index:]])
    return index + 1, clean_headers(records[index], max(width, 1))


def _headers_from_data(records: Sequence[Sequence[str]], width: int) -> list[str]:
    """Headers for a file without a header row: "E-mail" where the cells are addresses."""
    names = []
    for i in range(width):
        values = [r[i].strip() for r in records if i < len(r) and r[i].strip()]
        emails = sum(1 for v in values if _EMAIL_LIKE.match(v))
        names.append("E-mail" if values and emails * 2 >= len(values) else "")
    return clean_headers(names, width)
