"""Errors caused by the user's input, shown as one clear line by the CLI."""


class UserError(Exception):
    """A problem the user can fix: a bad option, a missing file, an unknown week."""


class PublishRefused(UserError):
    """The warehouse must not be published: the previous publication is kept."""


def one_line(error: BaseException) -> str:
    """A driver's error message on one line (PostgreSQL's span several)."""
    return " ".join(str(error).split())
