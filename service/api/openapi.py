"""The OpenAPI 3.1 document, generated from the models the handlers use, and its docs page."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema

from service.api.core import OPERATIONS, bp, json_response, openapi_path, resolve
from service.db import MAX_ROW_ID

REF = "#/components/schemas/{model}"

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "label": {"type": "string"},
                },
            },
        },
    },
}


class _Schemas:
    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}

    def of(self, annotation: Any, mode: str) -> dict:
        schema = TypeAdapter(annotation).json_schema(
            ref_template=REF, mode=mode, schema_generator=GenerateJsonSchema
        )
        for name, definition in schema.pop("$defs", {}).items():
            self.components.setdefault(name, definition)
        title = schema.get("title")
        if (
            schema.get("type") == "object"
            and title
            and isinstance(annotation, type)
            and issubclass(annotation, BaseModel)
        ):
            self.components.setdefault(title, schema)
            return {"$ref": REF.format(model=title)}
        return schema

    def query_parameters(self, model: type[BaseModel]) -> list[dict]:
        """Each field of a query model as a parameter, with the schema pydantic gives the field
        (lengths, ranges, patterns: what the handler validates is what the document says)."""
        schema = model.model_json_schema(ref_template=REF, schema_generator=GenerateJsonSchema)
        for name, definition in schema.pop("$defs", {}).items():
            self.components.setdefault(name, definition)
        required = set(schema.get("required", ()))
        return [
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": _query_value(prop),
            }
            for name, prop in schema["properties"].items()
        ]


def _query_value(prop: dict) -> dict:
    """A property's schema as a query value: a query parameter is left out rather than sent as
    null, so an optional field's ``null`` branch and ``default: null`` go."""
    prop = {k: v for k, v in prop.items() if k != "title"}
    if prop.get("default", ...) is None:
        del prop["default"]
    branches = [b for b in prop.get("anyOf", ()) if b != {"type": "null"}]
    if "anyOf" in prop and len(branches) == 1:
        del prop["anyOf"]
        prop = {**branches[0], **prop}
    elif "anyOf" in prop:
        prop["anyOf"] = branches
    return prop


def build_document() -> dict:
    schemas = _Schemas()
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        item: dict[str, Any] = {"operationId": op.endpoint, "summary": op.summary, "tags": [op.tag]}
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID}
                if name.endswith("_id")
                else {"type": "string"},
            }
            for name in _path_params(op.rule)
        ]
        if op.query is not None:
            parameters += schemas.query_parameters(op.query)
        for name, header in op.headers.items():
            parameters.append(
                {
                    "name": name,
                    "in": "header",
                    "required": False,
                    "description": header.description,
                    "schema": header.schema,
                }
            )
        if parameters:
            item["parameters"] = parameters
        if op.body is not None:
            item["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": schemas.of(resolve(op.body), "validation")}
                },
            }
        if op.multipart is not None:
            item["requestBody"] = {"required": True, "content": _multipart(op.multipart)}
        responses: dict[str, Any] = {}
        if op.status == 204:
            responses["204"] = {"description": "No content"}
        elif op.file_response:
            binary = {"schema": {"type": "string", "format": "binary"}}
            responses[str(op.status)] = {
                "description": "The file",
                "content": {media_type: binary for media_type in op.file_response},
            }
        else:
            content = (
                {"application/json": {"schema": schemas.of(op.response, "serialization")}}
                if op.response is not None
                else {}
            )
            responses[str(op.status)] = {"description": "OK", "content": content}
        problem = {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}}
        has_body = op.body is not None or op.multipart is not None
        # every operation is under the API's rate limits (and the token endpoint under the
        # login limits): 429 with Retry-After
        codes = set(op.errors) | {429} | ({400, 413, 415} if has_body else set())
        for code in sorted(codes):
            responses[str(code)] = {"description": "Problem", "content": problem}
        item["responses"] = responses
        if op.auth:
            item["security"] = [{"bearer": []}]
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "跨区域医保协作转办服务 API",
            "version": "1.0.0",
            "description": "Cases between 金牛, 彭州 and 什邡 medical-insurance offices. "
            "Errors are application/problem+json.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _multipart(files: dict[str, str]) -> dict:
    properties = {
        name: {"type": "string", "format": "binary", "description": description}
        for name, description in files.items()
    }
    schema = {"type": "object", "required": list(files), "properties": properties}
    return {"multipart/form-data": {"schema": schema}}


def _path_params(rule: str) -> list[str]:
    import re

    return re.findall(r"<(?:\w+:)?(\w+)>", rule)


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return json_response(build_document())


def docs_page() -> str:
    return render_template("api/docs.html", doc=build_document())
