"""Domain errors: each carries a one-line message that names the problem and the fix.

The CLI prints ``str(error)`` and exits with ``error.exit_code``; nothing here is a bug.
"""


class NewsdeskError(Exception):
    """Base for every error a user can cause and fix.

    ``details`` are lines printed before the one-line message (what was skipped, say).
    """

    exit_code = 1

    def __init__(self, message: str, *, details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.details = details


class ConfigError(NewsdeskError):
    """A setting or command-line value is invalid."""

    exit_code = 2


class CorpusError(NewsdeskError):
    """The corpus folder cannot be read as a whole (single bad files are skipped, not raised)."""


class NothingToIndexError(CorpusError):
    """The corpus holds no usable article; the previous index stays current."""


class IndexMissingError(NewsdeskError):
    """No index exists at the given folder."""


class IndexMismatchError(NewsdeskError):
    """The index was built with another model, dimension or format."""


class IndexCorruptError(NewsdeskError):
    """An index file is missing, truncated or altered."""


class IndexBusyError(NewsdeskError):
    """Another build holds the index lock."""


class IndexWriteError(NewsdeskError):
    """Writing a new index failed (disk full, I/O error); the previous index is untouched."""


class ModelLoadError(NewsdeskError):
    """The embedding model could not be loaded offline."""


class QueryError(NewsdeskError):
    """The question cannot be searched (empty, for instance)."""

    exit_code = 2


class NetworkError(NewsdeskError):
    """A service Newsdesk talks to (Discord) cannot be reached."""


class FetchError(NewsdeskError):
    """A page or feed could not be fetched (network, HTTP status, size, robots.txt).

    ``transient`` says whether fetching it again later may succeed (a timeout, a 503, a
    429) rather than not (a 404, a page too large, robots.txt saying no); ``status`` is the
    HTTP status that ended it, if any.
    """

    def __init__(self, message: str, *, transient: bool = False, status: int | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status


class FetchRefusedError(FetchError):
    """An address Newsdesk will not fetch: not http(s), or a private or loopback host."""

    exit_code = 2


class FeedError(NewsdeskError):
    """A feed is unknown, already followed, or its document is not RSS or Atom."""

    exit_code = 2
