"""The images the portal holds, as the database indexes them: patients, studies, series, instances."""
