"""The root of every error a person is meant to read: its ``str()`` is the whole message, in plain Chinese.

It lives in policy/, the bottom layer, because the policy loader's own errors
derive from it and policy/ imports nothing above itself; every layer above
imports it from here (``models.failures`` re-exports it). What an error means
to a process (its exit code) and to the log is ``models/failures.py``.
"""


class ReviewDeskError(Exception):
    """A domain error whose ``str()`` is the whole message for the user."""


class BadInput(ReviewDeskError):
    """The input given (a file, an argument) cannot be used as it is; nothing was done with it."""
