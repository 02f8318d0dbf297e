"""Stream a large queryset in chunks without holding a cursor open."""


def in_chunks(queryset, size=500):
    """Yield the queryset's objects, one query per `size` rows, ordered by primary key.

    Each chunk is fetched completely before it is used, so the caller may write
    to the database between chunks: an open SQLite read cursor would keep an old
    snapshot and make those writes fail with "database is locked".
    """
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(page[:size])
        if not rows:
            return
        yield from rows
        last = rows[-1].pk
