"""Pure DICOM: ingest and index, file store, rendering, export. No reflex, no database."""
