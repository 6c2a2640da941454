"""Errors the domain raises for the user to read (the CLI maps them to exit codes)."""

from __future__ import annotations


class WinnowError(Exception):
    """A runtime problem with a message for the user (CLI exit code 1)."""


class UsageError(WinnowError):
    """The user asked for something that does not exist (CLI exit code 2)."""


class NotFound(UsageError):
    """What the caller named is not in the database (no contact 99, no task 7). To the code
    that asked, a usage error; the command line exits 1 for it (README, *Exit codes*): the
    command was well formed, this database just has no such thing."""


class UnknownStage(UsageError):
    def __init__(self, key: str, valid: list[str]) -> None:
        super().__init__(f"unknown stage key {key!r}; valid keys: {', '.join(valid)}")
        self.key = key
        self.valid = valid


class UnknownContact(NotFound):
    def __init__(self, contact_id: int) -> None:
        super().__init__(f"no contact with id {contact_id}")
        self.contact_id = contact_id
