"""Date and number formats of the interface languages Django has none for (FORMAT_MODULE_PATH)."""
