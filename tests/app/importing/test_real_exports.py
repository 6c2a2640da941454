"""Exports of real address books an outside audit tried (issue 11), written byte for byte as
those programs write them: what each lost before is kept now — custom kinds of Android and
Evolution, a company card's own name, Outlook's localised headers (Russian, Japanese, French,
Lotus Notes' field names), national numbers of another country, and every extra value
through an export and back."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from app.commands.core import contact_json
from app.exporting import export_contacts
from app.importing.mapping import guess_mapping
from app.importing.phones import national_phone
from app.importing.readers import open_table
from app.importing.rows import PreparedRow, RowPreparer
from app.importing.service import import_file
from app.store import open_store
from db.engine import Database
from db.models import Contact
from tests.app.importing.test_address_books import STAGES, prepared, stored_text, write

CRLF = "\r\n"

# Android's contacts app (vCard 2.1): a label of the user's own is an "X-" type
ANDROID = CRLF.join(
    [
        "BEGIN:VCARD",
        "VERSION:2.1",
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=96zt=C3=BCrk;Ay=C5=9Fe;;Dr.;",
        "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Dr. Ay=C5=9Fe =C3=96zt=C3=BCrk",
        "TEL;CELL;PREF:+49 171 7654321",
        "TEL;X-Werkstatt:+49 30 5550100",
        "TEL;WORK;FAX:+49 30 7654321",
        "EMAIL;WORK;PREF:a.oeztuerk@kfz-oeztuerk.de",
        "EMAIL;X-Vereinsadresse:kassenwart@tsv-musterstadt.de",
        "ORG:KFZ Oeztuerk GmbH;Werkstatt",
        "X-ANDROID-CUSTOM:vnd.android.cursor.item/relation;Mehmet =C3=96zt=C3=BCrk;1;;;;;;;;;;;;;",
        "X-AIM:ayse_oz",
        "BDAY:1978-04-23",
        "END:VCARD",
        "",
    ]
)

# Evolution (vCard 3.0): its own phone kinds and a video-chat address
EVOLUTION = CRLF.join(
    [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "X-EVOLUTION-FILE-AS:Novák\\, Jana",
        "FN:Jana Nováková",
        "N:Nováková;Jana;;Ing.;",
        "EMAIL;X-EVOLUTION-UI-SLOT=1;TYPE=WORK:jana.novakova@firma.example.cz",
        "TEL;X-EVOLUTION-UI-SLOT=1;TYPE=WORK,VOICE:+420 222 111 333",
        "TEL;X-EVOLUTION-UI-SLOT=2;TYPE=X-EVOLUTION-COMPANY:+420 222 111 000",
        "TEL;X-EVOLUTION-UI-SLOT=3;TYPE=X-EVOLUTION-ASSISTANT:+420 222 111 334",
        "X-EVOLUTION-VIDEO-URL:https://video.example.cz/jana",
        "X-EVOLUTION-SPOUSE:Tomáš Novák",
        "END:VCARD",
        "",
    ]
)

# RFC 6350's organisation card: KIND:org, a name of its own beside the ORG
ORG_CARD = CRLF.join(
    [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "KIND:org",
        "FN:ABC Marketing",
        "ORG:ABC\\, Inc.;North American Division;Marketing",
        "EMAIL;PREF=1:sales@abc.example",
        "END:VCARD",
        "BEGIN:VCARD",
        "VERSION:3.0",
        "FN:Pizza Roma",
        "X-ABShowAs:COMPANY",
        "TEL;TYPE=WORK:+49 30 99887766",
        "END:VCARD",
        "",
    ]
)


def _kinds(row: PreparedRow, what: str) -> dict[str, str]:
    points = row.emails if what == "emails" else row.phones
    return {p.value: p.label or p.kind for p in points}


def test_android_and_evolution_kinds_of_their_own_are_kept(tmp_path: Path) -> None:
    rows, warnings, rejected = prepared(write(tmp_path, "android.vcf", ANDROID.encode()))
    assert not rejected and warnings == []
    (ayse,) = rows
    assert _kinds(ayse, "phones")["+49 30 5550100"] == "Werkstatt"
    assert _kinds(ayse, "phones")["+49 30 7654321"] == "work fax"
    assert _kinds(ayse, "emails")["kassenwart@tsv-musterstadt.de"] == "Vereinsadresse"
    assert ayse.phones[0].value == "+49 171 7654321" and ayse.phones[0].primary

    rows, _w, _r = prepared(write(tmp_path, "evolution.vcf", EVOLUTION.encode()))
    (jana,) = rows
    assert _kinds(jana, "phones")["+420 222 111 000"] == "company"
    assert _kinds(jana, "phones")["+420 222 111 334"] == "assistant"
    text = stored_text(jana)
    assert "https://video.example.cz/jana" in text  # was left out as "technical"
    assert "Tomáš Novák" in text
    assert jana.extra.get("File as") == "Novák, Jana"  # not the name: kept (was dropped)
    # a "file as" that only repeats the name (Evolution's default) adds nothing
    plain = EVOLUTION.replace("Novák\\, Jana", "Nováková\\, Jana")
    rows, _w, _r = prepared(write(tmp_path, "plain.vcf", plain.encode()))
    assert "File as" not in rows[0].extra


def test_an_organisations_card_keeps_its_own_name_and_is_never_a_person(tmp_path: Path) -> None:
    rows, _w, rejected = prepared(write(tmp_path, "org.vcf", ORG_CARD.encode()))
    assert not rejected
    abc, pizza = rows
    assert abc.values["company"] == "ABC, Inc."
    assert not abc.values.get("first_name") and not abc.values.get("last_name")
    assert "ABC Marketing" in stored_text(abc)  # was dropped
    # a company's card without an ORG: the company is its name, no person is made up
    assert pizza.values["company"] == "Pizza Roma"
    assert not pizza.values.get("first_name") and not pizza.values.get("last_name")


def _outlook_csv(path: Path, headers: list[str], row: list[str], encoding: str, sep: str) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerow(row)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# Outlook 2007 in Russian (KOI8-R and cp1251, ";"): nothing mapped, the row was rejected
RUSSIAN_HEADERS = [
    "Обращение", "Имя", "Отчество", "Фамилия", "Организация", "Отдел", "Должность",
    "Улица (раб. адрес)", "Город (раб. адрес)", "Индекс (раб. адрес)",
    "Страна или регион (раб. адрес)", "Рабочий телефон", "Мобильный телефон",
    "Домашний телефон", "Факс (раб.)", "Адрес эл. почты", "Тип эл. почты", "Адрес 2 эл. почты",
    "Заметки", "Веб-страница",
]  # fmt: skip
RUSSIAN_ROW = [
    "г-н", "Иван", "Петрович", "Сидоров", "ООО Ромашка", "Продажи", "Директор по продажам",
    "ул. Тверская, д. 7", "Москва", "125009", "Россия", "+7 495 123-45-67", "+7 916 123-45-67",
    "+7 495 765-43-21", "+7 495 123-45-68", "i.sidorov@romashka.example.ru", "SMTP",
    "ivan@mail.example.ru", "Встреча на выставке", "www.romashka.example.ru",
]  # fmt: skip


@pytest.mark.parametrize("codec", ["koi8-r", "cp1251"])
def test_outlook_in_russian(tmp_path: Path, codec: str) -> None:
    path = _outlook_csv(tmp_path / "kontakty.csv", RUSSIAN_HEADERS, RUSSIAN_ROW, codec, ";")
    rows, _warnings, rejected = prepared(path)
    assert rejected == []
    (ivan,) = rows
    assert ivan.values["first_name"] == "Иван" and ivan.values["last_name"] == "Сидоров"
    assert ivan.values["email"] == "i.sidorov@romashka.example.ru"
    assert ivan.other_emails == ["ivan@mail.example.ru"]
    assert ivan.values["company"] == "ООО Ромашка"
    assert ivan.values["title"] == "Директор по продажам"
    assert {p.kind for p in ivan.phones} >= {"work", "mobile", "home", "fax"}
    (address,) = ivan.addresses
    assert (address.street, address.city, address.postcode, address.kind) == (
        "ул. Тверская, д. 7", "Москва", "125009", "work",
    )  # fmt: skip


# Outlook 2007 in Japanese (Shift-JIS): the addresses' columns say where in brackets
JAPANESE_HEADERS = [
    "名", "姓", "会社名", "部署", "役職", "番地 (会社)", "番地 2 (会社)", "市区町村 (会社)",
    "都道府県 (会社)", "郵便番号 (会社)", "国/地域 (会社)", "番地 (自宅)", "市区町村 (自宅)",
    "都道府県 (自宅)", "郵便番号 (自宅)", "国/地域 (自宅)", "会社 FAX", "会社電話", "携帯電話",
    "自宅電話", "電子メール アドレス", "メモ", "姓 (フリガナ)", "名 (フリガナ)",
]  # fmt: skip
JAPANESE_ROW = [
    "太郎", "山田", "株式会社サンプル", "営業部", "部長", "丸の内1-2-3", "サンプルビル5F",
    "千代田区", "東京都", "100-0005", "日本", "本町4-5-6", "横浜市中区", "神奈川県",
    "231-0005", "日本", "03-1234-5679", "03-1234-5678", "090-1111-2222", "045-111-2222",
    "taro.yamada@sample.example.co.jp", "展示会で名刺交換", "ヤマダ", "タロウ",
]  # fmt: skip


def test_outlook_in_japanese(tmp_path: Path) -> None:
    path = _outlook_csv(tmp_path / "連絡先.csv", JAPANESE_HEADERS, JAPANESE_ROW, "cp932", ",")
    table = open_table(path)
    rows = [
        r
        for chunk in _chunks(table, RowPreparer(STAGES, region="US"))
        for r in chunk.rows  # the default region of Settings says US
    ]
    (taro,) = rows
    assert (taro.values["first_name"], taro.values["last_name"]) == ("太郎", "山田")
    work, home = taro.addresses
    assert (work.street, work.city, work.region, work.postcode, work.country, work.kind) == (
        "丸の内1-2-3\nサンプルビル5F", "千代田区", "東京都", "100-0005", "日本", "work",
    )  # fmt: skip
    assert (home.city, home.kind) == ("横浜市中区", "home")
    # the row's country is Japan: its national numbers are Japanese, not American
    assert {p.value for p in taro.phones} == {
        "+81 3-1234-5679", "+81 3-1234-5678", "+81 90-1111-2222", "+81 45-111-2222",
    }  # fmt: skip
    # the phonetic spellings of the name are no second name
    assert "ヤマダ" in stored_text(taro) and "タロウ" in stored_text(taro)


def _chunks(table, preparer):  # type: ignore[no-untyped-def]
    from app.importing.pipeline import prepare_chunks

    return prepare_chunks(table.rows(), table.headers, guess_mapping(table.headers), preparer, 50)


def test_a_national_number_of_another_country_is_kept_as_written() -> None:
    # a Japanese or a US number without its area code is no number of the default region: a
    # country code put before it made it wrong ("+1 0312345678")
    assert national_phone("03-1234-5678", "US") == "03-1234-5678"
    assert national_phone("555 0100", "US") == "555 0100"
    assert national_phone("03-1234-5678", "JP") == "+81 3-1234-5678"
    assert national_phone("0511 123456", "DE") == "+49 511 123456"
    assert national_phone("01 23 45 67 89", "FR") == "+33 1 23 45 67 89"


def test_french_outlook_titre_twice_and_lotus_notes_fields() -> None:
    french = guess_mapping(
        ["Titre", "Prénom", "Nom", "Société", "Titre (2)", "Dép/Région (domicile)"]
    )
    assert french["Titre"] is None  # the salutation ("M.")
    assert french["Titre (2)"] == "title"  # the job title
    assert french["Dép/Région (domicile)"] == "region"
    lotus = guess_mapping(
        ["FirstName", "LastName", "MailAddress", "OfficePhoneNumber", "CellPhoneNumber",
         "OfficeStreetAddress", "OfficeCity", "OfficeZIP", "OfficeCountry"]
    )  # fmt: skip
    assert lotus == {
        "FirstName": "first_name", "LastName": "last_name", "MailAddress": "email",
        "OfficePhoneNumber": "phone", "CellPhoneNumber": "mobile",
        "OfficeStreetAddress": "street", "OfficeCity": "city", "OfficeZIP": "postcode",
        "OfficeCountry": "country",
    }  # fmt: skip
    # a name's column with a qualifier is another spelling of it, no second name
    assert guess_mapping(["名", "姓", "姓 (フリガナ)"])["姓 (フリガナ)"] is None


# --- the round trip: every extra value and kind of its own is exported and read back ----------

IPHONE = CRLF.join(
    [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "N:Appleseed;Johnny;Q.;Mr.;Jr.",
        "FN:Johnny Appleseed",
        "NICKNAME:Johnny A",
        "ORG:Apple Inc.;Engineering",
        "item1.EMAIL;type=INTERNET;type=pref:johnny@apple.example.com",
        "item1.X-ABLabel:_$!<Work>!$_",
        "item2.EMAIL;type=INTERNET:johnny@icloud.example.com",
        "item2.X-ABLabel:Personal iCloud",
        "TEL;type=CELL;type=VOICE;type=pref:+1 408 555 0101",
        "item3.TEL:+1 408 555 0199",
        "item3.X-ABLabel:Lab hotline",
        "TEL;type=HOME;type=FAX:+1 408 555 0150",
        "item4.ADR:PO Box 77;;;Los Gatos;CA;95030;USA",
        "item4.X-ABLabel:Mailbox",
        "item5.X-ABRELATEDNAMES:Jane Appleseed",
        "item5.X-ABLabel:_$!<Spouse>!$_",
        "X-SOCIALPROFILE;type=twitter:https://twitter.com/johnnyapple",
        "NOTE:Met at WWDC\\, booth 4.",
        "BDAY;value=date:1975-02-24",
        "END:VCARD",
        "",
    ]
)
# columns Winnow's CSV export adds of its own (read back as extra values of the new contact)
_WINNOW_COLUMNS = {"Created", "Score", "Marketing consent", "Winnow source", "Stage", "Source"}


def _points(data: dict[str, object]) -> dict[str, object]:
    return {k: data[k] for k in ("name", "company", "title", "emails", "phones", "addresses")}


@pytest.mark.parametrize("name", ["back.csv", "back.vcf"])
def test_extra_values_and_kinds_of_their_own_survive_an_export(
    db: Database, tmp_path: Path, name: str
) -> None:
    for card in (IPHONE, ANDROID):
        path = write(tmp_path, "card.vcf", card.encode())
        assert import_file(db, path).imported == 1
    with db.session() as s:
        ids = {str(r[1]): int(r[0]) for r in s.execute(
            Contact.__table__.select().with_only_columns(Contact.id, Contact.last_name))}  # fmt: skip
    before = {last: contact_json(db, cid) for last, cid in ids.items()}
    assert before["Appleseed"]["extra"]  # the card's values without a column of their own

    out = tmp_path / name
    export_contacts(db, out)
    other = open_store(tmp_path / f"{name}.sqlite")
    try:
        assert import_file(other, out).imported == 2
        with other.session() as s:
            back = {str(r[1]): int(r[0]) for r in s.execute(
                Contact.__table__.select().with_only_columns(Contact.id, Contact.last_name))}  # fmt: skip
        after = {last: contact_json(other, cid) for last, cid in back.items()}
    finally:
        other.close()
    for last, want in before.items():
        got = after[last]
        assert _points(got) == _points(want), (name, last)
        extra = {k: v for k, v in got["extra"].items() if k not in _WINNOW_COLUMNS}
        assert extra == want["extra"], (name, last)


def test_a_tie_between_code_pages_that_read_the_file_otherwise_is_said(tmp_path: Path) -> None:
    # Windows Address Book (Outlook Express) in Czech, Windows-1250: its only letter that
    # Windows-1252 reads otherwise is "Č" ("È"), both letters — a tie that was read as
    # Windows-1252 without a word, garbling "Karel Čapek"
    headers = ["Name", "E-mail Address", "Home Street", "Home City", "Home Country/Region"]
    row = ["Karel Čapek", "karel@capek.example.cz", "Úzká 4", "Praha", "Česká republika"]
    path = _outlook_csv(tmp_path / "wab.csv", headers, row, "cp1250", ",")
    table = open_table(path)
    assert table.encoding_confidence == "weak"
    assert "cp1250" in table.encoding_alternatives
    _rows, warnings, _rejected = prepared(path)
    assert any("Windows-1250" in reason for _row, reason in warnings)
    # a German file as long reads the same under both: no doubt to report
    german = ["Jürgen Weiß", "j@weiss.example.de", "Königstraße 1", "Köln", "Deutschland"]
    more = ["Bärbel Größer", "b@groesser.example.de", "Müllerstraße 2", "München", "Deutschland"]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([headers, german, more])
    path = tmp_path / "de.csv"
    path.write_bytes(buf.getvalue().encode("cp1252"))
    assert open_table(path).encoding_confidence == "likely"
