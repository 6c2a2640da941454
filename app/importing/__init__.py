"""Importing contact lists: Qt-free readers (CSV/TSV, Excel .xlsx, vCard) and column mapping.

``readers.open_table(path)`` detects the format, encoding, delimiter and header row and streams
the rows; ``mapping.guess_mapping(headers)`` maps the columns to Winnow fields and
``mapping.apply_mapping(headers, cells, mapping)`` turns one row into field values.
"""
