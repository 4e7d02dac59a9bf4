"""The schemas of the feed's records: the JSON Schema of each entity set, written from the
InforMEA reference (``schemas/<EntitySet>.schema.json``), and the OData CSDL ``$metadata``
generated from them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.publish.informea.entity_sets import ENTITY_SETS, KEY_FIELDS, NAVIGATION

#: The JSON Schemas of the entity sets, and the vendored LEO terms.
SCHEMA_DIR = Path(__file__).with_name("schemas")


@lru_cache
def load_schema(entity_set: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an entity set's records, written from the
    reference (``schemas/<EntitySet>.schema.json``)."""
    text = (SCHEMA_DIR / f"{entity_set}.schema.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


_EDM = {
    "string": "Edm.String",
    "integer": "Edm.Int32",
    "number": "Edm.Double",
    "boolean": "Edm.Boolean",
}


def _edm(prop: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    if "$ref" in prop:
        return "informea." + str(prop["$ref"]).rsplit("/", 1)[-1]
    if prop.get("type") == "array":
        return f"Collection({_edm(prop['items'], defs)})"
    if prop.get("format") == "date":
        return "Edm.Date"
    if prop.get("format") == "date-time":
        return "Edm.DateTimeOffset"
    kind = prop.get("type", "string")
    return _EDM.get(kind if isinstance(kind, str) else "string", "Edm.String")


def csdl_metadata() -> str:
    """The service's ``$metadata``: an OData CSDL XML document generated from the JSON
    Schemas (https://docs.oasis-open.org/odata/odata-csdl-xml/v4.01/)."""
    from xml.sax.saxutils import quoteattr

    complex_types: dict[str, dict[str, Any]] = {}
    entity_xml: list[str] = []
    for name in ENTITY_SETS:
        schema = load_schema(name)
        defs = schema.get("$defs", {})
        for def_name, definition in defs.items():
            if definition.get("type") == "object":
                complex_types.setdefault(def_name, definition)
        type_name = schema["title"]
        lines = [f'<EntityType Name="{type_name}">', "<Key>"]
        lines += [f'<PropertyRef Name="{k}"/>' for k in KEY_FIELDS[name]]
        lines.append("</Key>")
        required = set(schema.get("required", [])) | set(KEY_FIELDS[name])
        for prop, spec in schema["properties"].items():
            if prop in NAVIGATION.get(name, {}):
                target = load_schema(NAVIGATION[name][prop])["title"]
                many = spec.get("type") == "array"
                kind = f"Collection(informea.{target})" if many else f"informea.{target}"
                lines.append(f'<NavigationProperty Name="{prop}" Type="{kind}"/>')
                continue
            nullable = "" if prop not in required else ' Nullable="false"'
            lines.append(f'<Property Name="{prop}" Type="{_edm(spec, defs)}"{nullable}/>')
        lines.append("</EntityType>")
        entity_xml += lines
    complex_xml: list[str] = []
    for def_name, definition in sorted(complex_types.items()):
        complex_xml.append(f'<ComplexType Name="{def_name}">')
        for prop, spec in definition.get("properties", {}).items():
            complex_xml.append(f'<Property Name="{prop}" Type="{_edm(spec, {})}"/>')
        complex_xml.append("</ComplexType>")
    sets = [
        f"<EntitySet Name={quoteattr(n)} "
        f"EntityType={quoteattr('informea.' + load_schema(n)['title'])}/>"
        for n in ENTITY_SETS
    ]
    return "\n".join(
        [
            '<?xml version="1.0" encoding="utf-8"?>',
            '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">',
            "<edmx:DataServices>",
            '<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="informea">',
            *complex_xml,
            *entity_xml,
            '<EntityContainer Name="InforMEA">',
            *sets,
            "</EntityContainer>",
            "</Schema>",
            "</edmx:DataServices>",
            "</edmx:Edmx>",
            "",
        ]
    )
