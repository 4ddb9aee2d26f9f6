"""Use cases of the news reader: the only writers of ``ingest`` records (issue 12)."""
