"""The base of every error a reviewer is meant to read: a plain Chinese message.

The CLI prints these and exits 2; the GUI shows them in a message box. Anything
else is unexpected and is also logged with its traceback.
"""


class ReviewDeskError(Exception):
    """A domain error whose ``str()`` is the whole message for the user."""
