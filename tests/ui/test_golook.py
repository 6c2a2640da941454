"""Go look, go see in the window: the detail section, Check again / Check all in the background
with progress and Cancel, the persona editor. DNS is a real server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl

from app.contacts import create_contact, get_contact
from app.golook.checks import cached_answers, contact_domains
from app.operations import Changes
from app.settings import set_setting
from app.timeutil import utcnow
from tests.app.golook.conftest import ZONE
from tests.dnsserver import LoopbackDnsServer
from tests.ui.conftest import settle
from tests.ui.desktop_helpers import browser

pytestmark = pytest.mark.gui
__all__ = ["browser"]  # fixture used by the tests below


@pytest.fixture
def slow_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackDnsServer]:
    """The test zone, every answer 0.3 s late; Winnow is pointed at it via the environment."""
    server = LoopbackDnsServer(ZONE, delay=0.3).start()
    monkeypatch.setenv("WINNOW_NAMESERVER", server.address)
    yield server
    server.stop()


def _show(window, cid: int) -> None:  # type: ignore[no-untyped-def]
    window.select_contact(cid)
    assert window.detail.contact_id == cid


def test_panel_shows_the_evidence(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    cid = create_contact(
        window.db,
        name="Anna Weiß",
        email="anna@acme-widgets.example",
        title="Senior buyer",
        company="Acme Widgets",
        company_size=80,
        website="www.acme-shop.example",
    )
    _show(window, cid)
    panel = window.golook.panel
    assert panel.verdict.text().startswith(
        "Branded · acme-widgets.example · mail host not checked yet · website is on "
        'acme-shop.example · fits "Plant buyer" 4/4'
    )
    assert panel.fields["address"].text() == "anna@acme-widgets.example"
    assert panel.fields["class"].text() == "Branded"
    assert "not the e-mail's domain acme-widgets.example" in panel.fields["website"].text()
    marks = [
        panel.reasons.topLevelItem(i).text(0) for i in range(panel.reasons.topLevelItemCount())
    ]
    assert marks == ["✓", "✓", "✓", "✓"]
    assert panel.open_button.isEnabled() and panel.search_button.isEnabled()


def test_free_mail_and_invalid_addresses(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    cid = create_contact(window.db, name="Bob", email="bob@gmial.com")
    _show(window, cid)
    panel = window.golook.panel
    assert "probably a typo of gmail.com" in panel.fields["class"].text()
    assert not panel.open_button.isEnabled()


def test_user_text_is_never_html(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    cid = create_contact(
        window.db,
        name="<b>Boss</b>",
        email="boss@acme-widgets.example",
        title="<i>Head</i> of purchasing",
    )
    _show(window, cid)
    panel = window.golook.panel
    for label in (panel.verdict, panel.persona_title, *panel.fields.values()):
        assert label.textFormat() == Qt.TextFormat.PlainText
    reasons = [
        panel.reasons.topLevelItem(i).text(2) for i in range(panel.reasons.topLevelItemCount())
    ]
    assert any("<i>Head</i> of purchasing" in r for r in reasons)


def test_open_website_and_search_the_web(window, qtbot, browser) -> None:  # type: ignore[no-untyped-def]
    cid = create_contact(
        window.db,
        name="Anna",
        email="anna@acme-widgets.example",
        company="Acme Widgets GmbH",
        city="Köln",
    )
    _show(window, cid)
    qtbot.mouseClick(window.golook.panel.open_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.golook.panel.search_button, Qt.MouseButton.LeftButton)
    catcher = browser
    assert catcher.urls[0] == "https://acme-widgets.example"
    assert catcher.urls[1].startswith("https://duckduckgo.com/?q=")
    assert "Acme" in QUrl(catcher.urls[1]).query(QUrl.ComponentFormattingOption.FullyDecoded)


def test_check_again_runs_in_the_background(window, qtbot, slow_dns) -> None:  # type: ignore[no-untyped-def]
    cid = create_contact(window.db, name="Anna", email="anna@acme-widgets.example")
    _show(window, cid)
    panel = window.golook.panel
    qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    # the click returned before the server answered: the panel says it is checking
    assert panel.fields["mail"].text() == "checking…"
    assert not panel.check_button.isEnabled()
    qtbot.waitUntil(lambda: "mail on Microsoft 365" in panel.verdict.text(), timeout=10000)
    assert panel.check_button.isEnabled()
    assert "mail.protection.outlook.com" in panel.fields["mx"].text()
    assert slow_dns.query_count("acme-widgets.example", "MX") == 1
    window.detail.show_contact(None)
    window.detail.show_contact(cid)  # read again: the answer is in the cache
    assert "mail on Microsoft 365" in window.golook.panel.verdict.text()


def test_offline_sends_nothing_and_says_unknown(window, qtbot, slow_dns) -> None:  # type: ignore[no-untyped-def]
    window.golook.offline.setChecked(True)
    settle(qtbot, window)
    cid = create_contact(window.db, name="Anna", email="anna@gwork.example")
    _show(window, cid)
    panel = window.golook.panel
    qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.check_button.isEnabled(), timeout=10000)
    assert "mail host unknown" in panel.verdict.text()
    assert "network checks are switched off" in panel.fields["mail"].text()
    assert slow_dns.query_count() == 0


def test_check_all_can_be_cancelled(window, qtbot, slow_dns) -> None:  # type: ignore[no-untyped-def]
    from ui.golook import check_all

    set_setting(window.db, "golook.parallel", 2)
    domains = contact_domains(window.db, None)
    assert len(domains) > 40
    started = utcnow()
    check_all(window, refresh=True)  # the demo's evidence is fresh: ask anyway
    progress = window.progress
    qtbot.waitUntil(lambda: progress.isVisible(), timeout=5000)
    assert progress.label.text().startswith("Checking domains")
    qtbot.mouseClick(progress.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.tasks.active, timeout=10000)
    assert "cancelled" in window.statusBar().currentMessage()
    asked = slow_dns.query_count()
    assert 0 < asked < len(domains)
    renewed = [
        a
        for a in cached_answers(window.db, domains).values()
        if a.checked_at is not None and a.checked_at > started
    ]
    assert len(renewed) <= asked


def test_check_all_asks_each_domain_once(window, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ui.golook import check_all

    seen: list[Changes] = []
    window.ops.operation_did_execute.connect(lambda changes, _who: seen.append(changes))
    with LoopbackDnsServer(ZONE) as server:
        monkeypatch.setenv("WINNOW_NAMESERVER", server.address)
        domains = contact_domains(window.db, None)
        check_all(window, refresh=True)  # the demo's evidence is fresh: ask anyway
        qtbot.waitUntil(lambda: not window.tasks.active, timeout=20000)
        assert seen == [Changes(all_contacts=True)]  # classes and fits may follow the answers
        assert server.query_count() >= len(domains)
        assert all(server.query_count(d, "MX") == 1 for d in domains)
    # the demo's company domains are unknown to the test zone, whose gmail.com has mail: the
    # resolver is believed, and "does not exist" is a fact, cached
    cached = cached_answers(window.db, domains)
    assert len(cached) == len(domains)
    assert cached["gmail.com"].dns_status == "ok"
    assert sum(a.dns_status == "nxdomain" for a in cached.values()) > len(domains) // 2
    assert not window.golook.notice.isVisible()


def test_check_all_on_the_demo_asks_nothing(window, qtbot, slow_dns) -> None:  # type: ignore[no-untyped-def]
    """The demo comes with its evidence: Check all finds every domain known."""
    window.golook.check_all.trigger()
    qtbot.waitUntil(lambda: not window.tasks.active, timeout=10000)
    assert slow_dns.query_count() == 0
    assert window.statusBar().currentMessage().startswith("Nothing to ask: all ")


def test_new_contacts_are_checked_in_the_background(window, qtbot, slow_dns) -> None:  # type: ignore[no-untyped-def]
    from ui.golook import check_contacts_in_background

    ids = [
        create_contact(window.db, name=f"N{i}", email=f"n{i}@selfhosted.example") for i in range(3)
    ]
    seen: list[Changes] = []
    window.ops.operation_did_execute.connect(lambda changes, _who: seen.append(changes))
    task = check_contacts_in_background(window, ids)
    assert task is not None
    qtbot.waitUntil(lambda: not window.tasks.active, timeout=10000)
    assert seen == [Changes.of(contacts=ids)]
    assert cached_answers(window.db, ["selfhosted.example"])["selfhosted.example"].mail_host == (
        "self"
    )
    assert slow_dns.query_count("selfhosted.example", "MX") == 1
    window.golook.offline.setChecked(True)
    settle(qtbot, window)
    assert check_contacts_in_background(window, ids) is None
    assert check_contacts_in_background(window, []) is None


def test_offline_is_a_setting_undone_like_any_change(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.golook.dns_check import SETTING_OFFLINE
    from app.settings import get_setting

    action = window.golook.offline
    assert not action.isChecked()
    action.setChecked(True)
    settle(qtbot, window)
    assert get_setting(window.db, SETTING_OFFLINE) is True
    assert window.undo_action.text() == "&Undo working offline"
    window.undo()
    settle(qtbot, window)
    assert not get_setting(window.db, SETTING_OFFLINE, False)
    assert not action.isChecked()  # the menu follows the stored setting


def test_persona_editor(window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ui.golook import recompute_persona_fit
    from ui.golook.personas_dialog import PersonaDialog

    dialog = PersonaDialog(window)
    qtbot.addWidget(dialog)
    assert dialog.names() == ["Plant buyer", "Maintenance lead", "Owner-manager"]
    dialog.select_persona("Plant buyer")
    assert dialog.seniority["specialist"].isChecked()
    assert dialog.size_min.text() == "20"

    dialog.new_persona()
    qtbot.keyClicks(dialog.name, "Engineers")
    qtbot.keyClicks(dialog.title_include, "engineer, Ingenieur")
    dialog.seniority["specialist"].setChecked(True)
    assert dialog.save_current()
    settle(qtbot, window)
    assert dialog.names()[-1] == "Engineers"
    assert dialog.changed

    dialog.new_persona()
    qtbot.keyClicks(dialog.name, "Engineers")
    assert dialog.save_current()
    settle(qtbot, window)
    assert "already a persona" in dialog.error_label.text()
    assert dialog.names().count("Engineers") == 1

    dialog.select_persona("Owner-manager")
    dialog.delete_current(confirm=False)
    settle(qtbot, window)
    assert "Owner-manager" not in dialog.names()

    path = tmp_path / "personas.json"
    assert "Exported 3 persona(s)" in dialog.export_file(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [p["name"] for p in data["personas"]] == ["Plant buyer", "Maintenance lead", "Engineers"]
    (tmp_path / "bad.json").write_text("{oops", encoding="utf-8")
    dialog.import_file(tmp_path / "bad.json")
    settle(qtbot, window)
    assert dialog.error_label.text().startswith("Nothing imported")
    data["personas"].append({"name": "Owners", "seniority": ["c-level"]})
    path.write_text(json.dumps(data), encoding="utf-8")
    dialog.import_file(path)
    settle(qtbot, window)
    assert "1 new and 3 updated" in dialog.error_label.text()
    assert "Owners" in dialog.names()

    dialog.select_persona("Owners")
    dialog.move_current(-1)  # tried before Engineers now
    settle(qtbot, window)
    assert dialog.names()[-2:] == ["Owners", "Engineers"]

    cid = create_contact(window.db, name="Eng", email="eng@gmail.com", title="Process engineer")
    recompute_persona_fit(window)
    qtbot.waitUntil(lambda: not window.tasks.active, timeout=10000)
    assert get_contact(window.db, cid).persona_name == "Engineers"


def test_persona_changes_are_undone_one_by_one(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.golook.persona_store import list_personas
    from ui.golook.personas_dialog import PersonaDialog

    dialog = PersonaDialog(window)
    qtbot.addWidget(dialog)
    dialog.select_persona("Owner-manager")
    dialog.delete_current(confirm=False)
    settle(qtbot, window)
    assert [p.name for p in list_personas(window.db)] == ["Plant buyer", "Maintenance lead"]
    assert window.undo_action.text() == "&Undo deletion of persona Owner-manager"
    window.undo()
    settle(qtbot, window)
    assert "Owner-manager" in [p.name for p in list_personas(window.db)]


def test_closing_the_personas_dialog_updates_every_fit(window, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ui import golook
    from ui.golook.personas_dialog import PersonaDialog

    class SavesOneAndCloses(PersonaDialog):
        def exec(self) -> int:
            self.select_persona("Plant buyer")
            self.name.setText("Buyer")
            self.save_current()  # queued; the dialog closes before it has committed
            return 0

    monkeypatch.setattr("ui.golook.personas_dialog.PersonaDialog", SavesOneAndCloses)
    seen: list[Changes] = []
    window.ops.operation_did_execute.connect(lambda changes, _who: seen.append(changes))
    golook.open_personas(window)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=20000)
    assert seen[0].personas and not seen[0].all_contacts  # the save, then every fit
    assert seen[1] == Changes(all_contacts=True)
