"""Error classes shown to users: each message says what is wrong and how to fix it."""


class CollectorError(Exception):
    """A problem the user can fix; printed as a message, never as a traceback."""


class ConfigError(CollectorError):
    """A configuration value is missing or malformed."""


class CorruptStateError(CollectorError):
    """An on-disk file is not what it should be; it was moved aside, never overwritten."""


class FolderLocked(CollectorError):
    """Another collector owns this data folder."""


class UnknownFormatError(CollectorError):
    """A file was written by a newer version; it is refused and left exactly as it is."""
