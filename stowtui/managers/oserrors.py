"""OS errors turned into storage errors: ``os_errors``.

Local disk (``fs``), the base classes' local defaults (``LocalManager``) and
the local half of every download share it, so that a full disk or a denied
directory reads the same wherever it happens.
"""

from __future__ import annotations

import contextlib
import errno
from typing import Iterator

from . import exceptions


# The same shape as s3.errors.s3_errors, on purpose: each maps its own backend's failures.
@contextlib.contextmanager
def os_errors(action: str, where: str) -> Iterator[None]:
    """Turn an OSError into the storage error a person can act on."""
    try:
        yield
    except exceptions.StowError:
        raise
    except FileNotFoundError as error:
        raise exceptions.ArtefactNotFound(f"Cannot {action} {where}: it does not exist") from error
    except PermissionError as error:
        raise exceptions.OperationNotPermitted(f"Cannot {action} {where}: permission denied") from error
    except (IsADirectoryError, NotADirectoryError) as error:
        raise exceptions.ArtefactTypeError(f"Cannot {action} {where}: {error.strerror.lower()}") from error
    except FileExistsError as error:
        raise exceptions.ArtefactExists(f"Cannot {action} {where}: it already exists") from error
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise exceptions.BackendError(f"Cannot {action} {where}: no space left on the device") from error
        if error.errno == errno.EROFS:
            raise exceptions.OperationNotPermitted(f"Cannot {action} {where}: the filesystem is read-only") from error
        if error.errno == errno.ENOTEMPTY:
            raise exceptions.OperationNotPermitted(f"Cannot {action} {where}: the directory is not empty") from error
        reason = error.strerror or str(error)
        raise exceptions.BackendError(f"Cannot {action} {where}: {reason}") from error
    except (ValueError, UnicodeError) as error:  # a NUL byte, or a name the file system cannot encode
        raise exceptions.InvalidPath(f"Cannot {action} {where!a}: it is not a valid local path") from error
