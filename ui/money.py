"""Amounts as the user's locale writes money (``QLocale``: "1.234.567 €", "$1,234,567").

Winnow has no currency setting of its own: the system locale's currency is used; where the
locale has none (the C locale), the amount is written with thousands separators only."""

from __future__ import annotations

from PySide6.QtCore import QLocale


def format_money(value: float | None, decimals: int = 0, locale: QLocale | None = None) -> str:
    if value is None:
        return "—"
    loc = locale or QLocale()
    if loc.language() == QLocale.Language.C or not loc.currencySymbol():
        return f"{value:,.{decimals}f}"
    return loc.toCurrencyString(float(value), loc.currencySymbol(), decimals)
