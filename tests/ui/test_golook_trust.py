"""Go look in the window when DNS cannot be believed: the demo's evidence stays, new answers are
unknown ("DNS not trustworthy here"), and the window says so once — not per contact. Also: the
list's badge and the detail's verdict agree on every demo contact. DNS servers are real, on
loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app import contacts
from app.contacts import ContactQuery, create_contact
from app.golook.checks import cached_answers, contact_domains
from app.golook.trust import UNTRUSTED_DETAIL, forget_judgements
from app.settings import set_setting
from tests.app.golook.conftest import ZONE
from tests.dnsserver import Entry, LoopbackDnsServer
from ui.contact_table import COLUMNS, ContactIdRole
from ui.golook import check_all
from ui.golook.notice import SILENT_TEXT, UNTRUSTED_SAID, UNTRUSTED_TEXT

pytestmark = pytest.mark.gui

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def _judged_afresh() -> Iterator[None]:
    forget_judgements()
    yield
    forget_judgements()


@pytest.fixture
def liar(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackDnsServer]:
    """A captive portal's DNS (NXDOMAIN for every name); Winnow is pointed at it."""
    with LoopbackDnsServer({}) as server:
        monkeypatch.setenv("WINNOW_NAMESERVER", server.address)
        yield server


def _cache(window: Any) -> dict[str, tuple[str, Any, tuple[str, ...]]]:
    domains = contact_domains(window.db, None)
    return {
        d: (a.dns_status, a.checked_at, a.mx) for d, a in cached_answers(window.db, domains).items()
    }


def _messages(window: Any) -> list[str]:
    seen: list[str] = []
    window.statusBar().messageChanged.connect(lambda text: seen.append(text) if text else None)
    return seen


def _idle(qtbot: Any, window: Any) -> None:
    qtbot.waitUntil(lambda: not window.tasks.active, timeout=20000)
    qtbot.wait(1)


def _first(window: Any, domain: str) -> int:
    for r in contacts.list_rows(window.db, ContactQuery(search=f"@{domain}")):
        if (r.email or "").endswith("@" + domain):
            return r.id
    raise AssertionError(f"no demo contact at {domain}")


def _check_again(window: Any, qtbot: Any, cid: int) -> Any:
    window.select_contact(cid)
    panel = window.golook.panel
    assert panel.contact_id == cid
    qtbot.mouseClick(panel.check_button, LEFT)
    qtbot.waitUntil(lambda: panel.check_button.isEnabled(), timeout=10000)
    return panel


def test_a_lying_resolver_changes_no_verdict_and_the_window_says_so_once(
    window: Any, qtbot: Any, liar: LoopbackDnsServer
) -> None:
    notice = window.golook.notice
    messages = _messages(window)
    before = _cache(window)
    assert before and not notice.isVisible()

    check_all(window, refresh=True)
    _idle(qtbot, window)
    assert notice.isVisible() and notice.times_shown == 1
    assert notice.label.text() == UNTRUSTED_TEXT
    assert "gmail.com" in notice.toolTip()
    assert messages.count(UNTRUSTED_SAID) == 1
    assert _cache(window) == before  # nothing overwritten, nothing stale added

    # the demo's evidence still stands: a company on Microsoft 365 says so
    ms = next(d for d, (s, _at, mx) in before.items() if mx and "protection.outlook" in mx[0])
    window.select_contact(_first(window, ms))
    assert " · mail on Microsoft 365" in window.golook.panel.verdict.text()

    # new domains: unknown, said per contact in the panel, but the window said it once
    firms = [
        create_contact(window.db, name=f"New {i}", email=f"n@new-firm{i}.example") for i in range(3)
    ]
    for cid in firms:
        panel = _check_again(window, qtbot, cid)
        assert panel.verdict.text().startswith(
            f"Branded · {panel.evidence.address.registrable_domain} · mail host unknown "
            f"({UNTRUSTED_DETAIL})"
        )
        assert panel.fields["mail"].text() == f"mail host unknown ({UNTRUSTED_DETAIL})"
        assert panel.fields["checked"].text() == "—"
    gmail = _check_again(window, qtbot, _first(window, "gmail.com"))
    assert "does not exist" not in gmail.verdict.text()
    assert "does not exist" not in gmail.fields["mail"].text()
    assert notice.times_shown == 1
    assert messages.count(UNTRUSTED_SAID) == 1
    assert not [m for m in messages if "domain does not exist" in m]
    assert _cache(window) == before
    assert {d for d in cached_answers(window.db, [f"new-firm{i}.example" for i in range(3)])} == (
        set()
    )


def test_dismissed_stays_hidden_and_good_answers_hide_it(
    window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    notice = window.golook.notice
    cid = create_contact(window.db, name="Eva", email="eva@missing.example")
    with LoopbackDnsServer({}) as liar:
        monkeypatch.setenv("WINNOW_NAMESERVER", liar.address)
        _check_again(window, qtbot, cid)
        assert notice.isVisible() and notice.times_shown == 1
    with LoopbackDnsServer(ZONE) as good:
        monkeypatch.setenv("WINNOW_NAMESERVER", good.address)
        panel = _check_again(window, qtbot, cid)
        assert not notice.isVisible()  # DNS is believed again
        assert panel.verdict.text().startswith("Branded · missing.example · domain does not exist")
    assert cached_answers(window.db, ["missing.example"])["missing.example"].dns_status == (
        "nxdomain"
    )
    forget_judgements()
    with LoopbackDnsServer({}) as liar:
        monkeypatch.setenv("WINNOW_NAMESERVER", liar.address)
        _check_again(window, qtbot, cid)
        assert notice.isVisible() and notice.times_shown == 2  # a new problem, said anew
        qtbot.mouseClick(notice.close_button, LEFT)
        assert not notice.isVisible()
        forget_judgements()
        _check_again(window, qtbot, cid)
        assert not notice.isVisible()  # the user hid it for this session
        # the earlier fact stays, marked as the older answer
        assert "domain does not exist" in panel.fields["mail"].text()
        assert UNTRUSTED_DETAIL in panel.fields["mail"].text()


def test_a_resolver_that_times_out_is_said_once_and_keeps_the_demo_evidence(
    window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_setting(window.db, "golook.parallel", 4)
    set_setting(window.db, "golook.dns_timeout", 0.2)
    notice = window.golook.notice
    before = _cache(window)
    zone = {d: Entry(silent=True) for d in [*before, "gmail.com", "outlook.com", "yahoo.com"]}
    with LoopbackDnsServer(zone) as dead:
        monkeypatch.setenv("WINNOW_NAMESERVER", dead.address)
        for _ in range(2):
            check_all(window, refresh=True)
            _idle(qtbot, window)
        assert dead.query_count() < 2 * len(before)  # it gave up instead of waiting out all
    assert notice.isVisible() and notice.times_shown == 1
    assert notice.label.text() == SILENT_TEXT
    assert _cache(window) == before
    window.select_contact(_first(window, "gmail.com"))
    assert window.golook.panel.fields["mail"].text().startswith("mail on Google")


def test_the_list_badge_and_the_detail_verdict_agree_on_the_demo_rows(window: Any) -> None:
    column = [key for key, *_ in COLUMNS].index("domain")
    model = window.model
    assert model.rowCount() >= 100
    seen: set[str] = set()
    everything = {"Branded", "Free-mail", "Disposable", "Invalid", "No e-mail"}
    for row in range(model.rowCount()):
        if row >= 60 and seen >= everything:
            break
        index = model.index(row, column)
        badge = index.data(Qt.ItemDataRole.DisplayRole)
        window.select_contact(index.data(ContactIdRole))
        panel = window.golook.panel
        verdict = panel.verdict.text()
        assert verdict.split(" · ", 1)[0].split(" (", 1)[0] == badge, (badge, verdict)
        if badge != "No e-mail":
            assert panel.fields["class"].text().startswith(badge)
        seen.add(badge)
        assert "not checked yet" not in verdict  # the demo ships its evidence
    assert seen == everything
