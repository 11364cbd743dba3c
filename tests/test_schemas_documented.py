"""Every layer schema is documented in layers/README.md exactly as the code defines it."""

from __future__ import annotations

from pathlib import Path

import pytest

from seriana_gis.layers.schemas import SCHEMAS, schema_table

README = Path(__file__).resolve().parents[1] / "layers" / "README.md"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_table_is_in_the_layers_readme(name):
    assert schema_table(name) in README.read_text(encoding="utf-8"), (
        f"layers/README.md does not carry the current schema of {name!r}: paste the output of "
        f"seriana_gis.layers.schemas.schema_table({name!r})"
    )


def test_employment_columns_are_in_the_layers_readme():
    from seriana_gis.economy.layer import EMPLOYMENT_COLUMNS

    text = README.read_text(encoding="utf-8")
    for c in EMPLOYMENT_COLUMNS:
        row = (
            f"| `{c.name}` | {c.type} | {c.unit} | {c.meaning} | {'yes' if c.required else 'no'} |"
        )
        assert row in text, f"layers/README.md lacks the employment column row {row}"
