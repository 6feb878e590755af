"""The one error raised for bad rule input."""


class RuleError(ValueError):
    """A rule, pattern, time window or rule file that cannot be accepted.

    The message names the problem in plain words, fit to show the person who typed it.
    """
