"""Parses an Avro schema with fastavro and prints its Parsing Canonical Form
and CRC-64-AVRO fingerprint. usage: avro_schema.py SCHEMA_JSON"""
import json
import sys

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form

schema = json.load(open(sys.argv[1]))
parsed = fastavro.parse_schema(schema)
canonical = to_parsing_canonical_form(parsed)
print("canonical", canonical)
print("fingerprint", fingerprint(canonical, "CRC-64-AVRO"))
