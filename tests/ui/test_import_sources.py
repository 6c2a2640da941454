"""The wizard's source label offers the sources already in the database (issue 11, item 11)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QWizard

from app import contacts
from tests.app.golook.conftest import ZONE
from tests.dnsserver import LoopbackDnsServer
from tests.ui.test_import_wizard import _click, _drop, _messe, _wait_loaded

pytestmark = pytest.mark.gui


@pytest.fixture
def win(window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The window, its domain checks answered on loopback (as in test_import_wizard)."""
    with LoopbackDnsServer(ZONE) as dns_server:
        monkeypatch.setenv("WINNOW_NAMESERVER", dns_server.address)
        yield window
        qtbot.waitUntil(lambda: not window.tasks.active, timeout=30000)


def test_the_source_label_offers_the_existing_sources(win: Any, qtbot: Any, tmp_path: Any) -> None:
    existing = [name for name, _n in contacts.distinct_sources(win.db)]
    assert len(existing) >= 3  # the demo's trade shows, web form, …
    _drop(win, _messe(tmp_path))
    wizard = win.importing.wizard
    _wait_loaded(qtbot, wizard)
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    options = wizard.options_page
    completer = options.source.completer()
    assert completer is options.source_completer
    model = completer.model()
    offered = [model.index(i, 0).data() for i in range(model.rowCount())]
    assert offered == existing
    trade_show = next(n for n in existing if "hannover" in n.casefold())
    completer.setCompletionPrefix("hannover")  # any part of the name, any case
    found = [completer.completionModel().index(i, 0).data()
             for i in range(completer.completionModel().rowCount())]  # fmt: skip
    assert trade_show in found and all("hannover" in f.casefold() for f in found)
    wizard.reject()
