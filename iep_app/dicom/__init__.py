"""Pure DICOM: ingest and index, the file store, rendering, export. Never imports reflex or the database."""
