from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` + 1 rows: "more than 10,000" is as useful as the exact figure,
    and counting a million matching incidents for every page took most of a second."""

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet):
            # Which rows are counted does not matter, only how many: no ORDER BY.
            return rows.order_by()[: self.COUNT_CAP + 1].count()
        return min(len(rows), self.COUNT_CAP + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.COUNT_CAP


def rows_in_order(ids, rows) -> list:
    """The records ``rows(ids)`` fetched, in the order of ``ids``: a page's keys are read sorted
    first, its rows after (by key, in no order). A record removed between the two reads is left
    out, not shown as an error."""
    ids = list(ids)
    by_pk = {record.pk: record for record in rows(ids)} if ids else {}
    return [by_pk[pk] for pk in ids if pk in by_pk]
