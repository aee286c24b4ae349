"""The data layer: the curated folder ``data/`` read, checked and typed. Imports only the base
(``compare.paths``, ``errors``, ``files``, ``vocab``).

- ``read``        UTF-8 text and strict CSV, with the line of each record
- ``schema``      ``datapackage.json`` (the one schema) and the pandera schema built from it
- ``codebook``    ``codebook.yaml``: reading it, its derived parts (columns, each indicator's cities)
- ``context``     census and division tables (outside denominators) as frames
- ``provenance``  numbers in a quote, a quote in its capture
- ``rules``       every validation rule, in the order it runs, each with its message
- ``dataset``     ``Dataset``, ``validate``, ``load`` (cached per content hash), the codebook commands
"""

from .codebook import read_codebook, scope_classes
from .dataset import Dataset, codebook_drift, load, load_codebook, validate, write_codebook
from .read import Table, read_csv_table, read_text
from .schema import fields, flag_regex, flag_vocabulary, load_package, pandera_schema, resource, row_basis, schema_of

__all__ = ["Dataset", "load", "validate", "load_codebook", "read_codebook", "codebook_drift", "write_codebook",
           "load_package", "flag_vocabulary", "flag_regex", "row_basis", "scope_classes", "fields", "resource",
           "schema_of", "pandera_schema", "read_csv_table", "read_text", "Table"]
