"""S3 errors turned into storage errors: ``s3_errors`` and the error codes it sorts.

botocore raises ``ClientError`` with the service's code, or its own exceptions
for what never reached S3 (no credentials, no network). Each becomes one of
:mod:`stowtui.managers.exceptions` with a sentence that says what failed and where.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import urllib.parse
from typing import Iterator

from .. import exceptions
from ..oserrors import os_errors
from ..paths import DestinationTaken

CODES_NOT_FOUND = {"NoSuchKey", "404", "NotFound", "NoSuchBucket", "NoSuchUpload"}
CODES_DENIED = {"AccessDenied", "403", "AllAccessDisabled", "Forbidden"}
#: A conditional write (``IfNoneMatch: *``) found an object there, or raced another one.
CODES_TAKEN = {"PreconditionFailed", "ConditionalRequestConflict"}
CODES_CREDENTIALS = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "TokenRefreshRequired",
    "InvalidToken",
    "RequestExpired",
}


def error_code(error) -> str:
    """The S3 error code of a botocore ``ClientError`` (``"None"`` when it has none)."""
    return str(error.response.get("Error", {}).get("Code"))


def _endpoint(error) -> str:
    """``scheme://host[:port]`` of the request a botocore error is about."""
    url = getattr(error, "kwargs", {}).get("endpoint_url") or ""
    parts = urllib.parse.urlsplit(url)
    return f"the S3 endpoint {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "the S3 endpoint"


def _timeout(action: str, where: str, error) -> exceptions.BackendTimeout:
    """A sentence for a request that got no answer in time (``error.waited``: see client.py)."""
    waited, attempts = getattr(error, "waited", None), getattr(error, "attempts", None)
    within = f"within {waited:g} s" if isinstance(waited, (int, float)) else "in time"
    if attempts and attempts > 1 and isinstance(waited, (int, float)):
        within += f" on each of {attempts} attempts ({waited * attempts:g} s in all)"
    return exceptions.BackendTimeout(
        f"Cannot {action} {where}: {_endpoint(error)} did not answer {within}; "
        "check the endpoint, or allow more time for a slow link (--timeout)"
    )


# The same shape as oserrors.os_errors, on purpose: each maps its own backend's failures.
@contextlib.contextmanager
def s3_errors(action: str, where: str) -> Iterator[None]:
    """Turn botocore and s3transfer errors into a sentence a person can act on."""
    import botocore.exceptions as bce

    try:
        yield
    except exceptions.StowError:
        raise
    except concurrent.futures.CancelledError as error:
        raise exceptions.OperationCancelled(f"Cancelled: {action} {where}") from error
    except bce.ClientError as error:
        info = error.response.get("Error", {})
        code = str(info.get("Code", ""))
        message = info.get("Message") or ""
        if code in CODES_TAKEN:
            raise DestinationTaken(
                f"Cannot {action} {where}: an object appeared there while it was being written; it was not replaced"
            ) from error
        if code == "NoSuchBucket":
            bucket = info.get("BucketName") or where
            raise exceptions.ArtefactNotFound(f"Cannot {action} {where}: the bucket {bucket} does not exist") from error
        if code in CODES_NOT_FOUND:
            raise exceptions.ArtefactNotFound(f"Cannot {action} {where}: it does not exist") from error
        if code in CODES_CREDENTIALS:
            raise exceptions.OperationNotPermitted(
                f"Cannot {action} {where}: the AWS credentials were rejected ({code}); "
                "check AWS_PROFILE or your access keys"
            ) from error
        if code in CODES_DENIED:
            raise exceptions.OperationNotPermitted(f"Cannot {action} {where}: access denied") from error
        detail = f"{code}: {message}" if message else code
        raise exceptions.BackendError(f"Cannot {action} {where}: S3 answered {detail}") from error
    except bce.NoCredentialsError as error:
        raise exceptions.OperationNotPermitted(
            f"Cannot {action} {where}: no AWS credentials were found "
            "(set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or connect unsigned for public buckets)"
        ) from error
    except (bce.ReadTimeoutError, bce.ConnectTimeoutError) as error:
        raise _timeout(action, where, error) from error
    except bce.EndpointConnectionError as error:
        raise exceptions.BackendError(
            f"Cannot {action} {where}: {_endpoint(error)} cannot be reached "
            "(check the endpoint URL and your network)"
        ) from error
    except (bce.ConnectionError, bce.HTTPClientError) as error:
        raise exceptions.BackendError(
            f"Cannot {action} {where}: the connection to {_endpoint(error)} failed ({type(error).__name__})"
        ) from error
    except bce.BotoCoreError as error:
        raise exceptions.BackendError(f"Cannot {action} {where}: {error}") from error
    except UnicodeEncodeError as error:
        raise exceptions.InvalidPath(f"Cannot {action} {where}: S3 keys must be valid UTF-8") from error
    except OSError as error:
        with os_errors(action, where):
            raise error
    except Exception as error:  # s3transfer wraps some failures in its own types
        last = getattr(error, "last_exception", None)  # RetriesExceededError: the last try's
        if isinstance(last, (bce.ReadTimeoutError, bce.ConnectTimeoutError)):
            raise _timeout(action, where, last) from error
        if type(error).__module__.startswith("s3transfer"):
            raise exceptions.BackendError(f"Cannot {action} {where}: {error}") from error
        raise
