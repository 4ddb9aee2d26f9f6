"""The columns of an incident file (``docs/import-format.md``), shared by the importer and the exporter."""

import re

# Column order of CSV/XLSX files, as written by the exporter and read by the importer.
COLUMNS = (
    "reference", "title", "type", "date_start", "date_end", "date_precision", "place", "place_text", "election",
    "status", "status_reason", "duplicate_of", "sensitivity", "confidence", "victim_count", "narrative",
    "legal_tags", "tags", "victims", "witnesses", "perpetrators", "perpetrator_organizations", "perpetrator_type",
    "source_type", "source_title", "source_url", "source_publisher", "source_author", "source_date",
    "source_language", "source_reliability", "source_credibility", "source_excerpt", "source_note",
)
REQUIRED_COLUMNS = ("title", "type", "date_start")
LIST_SEPARATOR = ";"
REFERENCE_RE = re.compile(r"^SV-(\d{4})-(\d{6})$")
