from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most ``count_cap`` + 1 rows (``COUNT_CAP`` unless told): "more than 10,000" is as
    useful as the exact figure, and counting a million matching incidents for every page took most
    of a second."""

    COUNT_CAP = 10_000

    def __init__(self, object_list, per_page, *args, count_cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.count_cap = count_cap or self.COUNT_CAP

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet):
            # Which rows are counted does not matter, only how many: no ORDER BY.
            return rows.order_by()[: self.count_cap + 1].count()
        return min(len(rows), self.count_cap + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.count_cap


def rows_in_order(ids, rows) -> list:
    """The records ``rows(ids)`` fetched, in the order of ``ids``: a page's keys are read sorted
    first, its rows after (by key, in no order). A record removed between the two reads is left
    out, not shown as an error."""
    ids = list(ids)
    by_pk = {record.pk: record for record in rows(ids)} if ids else {}
    return [by_pk[pk] for pk in ids if pk in by_pk]
