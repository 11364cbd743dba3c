"""Layers of the territorial database: schemas, validation and builders."""

from .schemas import SCHEMAS, Column, LayerSchema, schema_table
from .validate import validate_layer

__all__ = ["SCHEMAS", "Column", "LayerSchema", "schema_table", "validate_layer"]
