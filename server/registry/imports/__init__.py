"""Spreadsheet imports (XLSX, or CSV in UTF-8 with or without BOM), driven by a row spec.

- `reader.open_rows(upload)` streams a sheet's rows (openpyxl read_only / csv.reader) and refuses
  what is not a spreadsheet with an `ImportFileError` naming what is wrong;
- `spec.RowSpec` maps the header row (English or Chinese names) onto columns, each with a parser
  that turns a cell into a value or raises `CellError`;
- `runner.run_import(...)` streams rows through the spec in chunks, hands each chunk to an
  importer's `apply(chunk)` inside one transaction, collects every faulty row as
  {row, field, message} and rolls back when any row is at fault or on a dry run.

Register (att. 8–10) and unqualified-product list (att. 4) importers are in `register.py` and
`unqualified.py`; another import only needs a RowSpec and an importer object.
"""
