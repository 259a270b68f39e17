"""How many connections a remote manager's client keeps open.

Outside the S3 package so that the command line can size the pool for its
``--workers`` without importing the S3 manager (and its modules) at every start.
"""

#: A job queue's workers by default (``--workers``): the most requests its jobs
#: have in flight at once. On a real link each request waits tens of
#: milliseconds for the region, so many small objects need many requests in
#: flight (at 30 ms a request, 8 took 6.2 s for 1,000 files and 64 took 3.8 s);
#: the queue's request slots start lower and back off when the server says
#: ``SlowDown`` (``transfer.RequestSlots``).
WORKERS = 64
#: Connections beyond the workers' for listings and lookups.
POOL_SPARE = 8
#: Connections a client keeps open: one per request in flight, so a job queue's
#: workers (each request holds one of its slots) plus the listings of the panes
#: and planners never find the pool full (urllib3 would open another connection
#: and throw it away after one request).
POOL_CONNECTIONS = WORKERS + POOL_SPARE


def pool_connections(workers: int) -> int:
    """The connection pool for a job queue of ``workers`` (``--workers``)."""
    return max(POOL_CONNECTIONS, workers + POOL_SPARE)
