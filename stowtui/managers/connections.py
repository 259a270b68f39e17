"""How many connections a remote manager's client keeps open.

Outside the S3 package so that the command line can size the pool for its
``--workers`` without importing the S3 manager (and its modules) at every start.
"""

#: Connections a client keeps open: one per request in flight, so a job queue's
#: workers (each request holds one of its slots) plus the listings of the panes
#: and planners never find the pool full (urllib3 would open another connection
#: and throw it away after one request).
POOL_CONNECTIONS = 64
#: Connections beyond the workers' for listings and lookups.
POOL_SPARE = 8


def pool_connections(workers: int) -> int:
    """The connection pool for a job queue of ``workers`` (``--workers``)."""
    return max(POOL_CONNECTIONS, workers + POOL_SPARE)
