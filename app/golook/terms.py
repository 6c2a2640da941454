"""Go look's words and setting key that the window needs before any check runs: no database
access, no DNS, nothing imported (the window's start reads the offline setting and builds the
DNS notice's texts; the checks' modules come with the first check)."""

from __future__ import annotations

SETTING_OFFLINE = "golook.offline"  # true: never send a query
# asked before believing "does not exist" or "no mail" (app.golook.trust)
CANARY_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com")
UNTRUSTED_DETAIL = "DNS not trustworthy here"
