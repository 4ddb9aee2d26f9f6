"""drf-spectacular postprocessing hooks that keep the OpenAPI schema honest (docs/api.md, "The contract").

``mark_nullable``: a field read through a nullable model field (``place.code`` of an incident without
a place, a figure without a source) is ``null`` in answers, so its schema says ``nullable``. Worked
out from the models, once for every serializer, so a new serializer cannot forget it.

``document_errors``: the error answers every operation can give (400, 401, 403, 404, 429), with
their bodies, added where a view did not describe the code itself.
"""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.fields import empty

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
ERROR = "Error"
FIELD_ERRORS = "FieldErrors"

ERROR_SCHEMA = {
    "type": "object",
    "description": "Why the request was not done, in words for people (in the caller's language).",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": (
        "What is wrong with the request, by field: each field names a list of messages. "
        "`non_field_errors` is about the request as a whole; `detail` is a request that could not be read "
        "(malformed JSON). Errors in a list of items are keyed by the item's index, as an object or a list."
    ),
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
            {"type": "string"},
            {"type": "object"},
        ],
    },
}
DESCRIPTIONS = {
    "400": "The request is malformed or a value is refused; nothing was changed.",
    "401": "No credentials, or an unknown, expired or revoked token.",
    "403": "The caller's role does not allow this action.",
    "404": "No such record, or none the caller may see (an invisible record is not found).",
    "429": "Too many requests: wait and try again.",
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error_codes(method: str, operation: dict, path: str) -> list[str]:
    """The error codes ``operation`` can answer: 400 when it writes or reads input, 404 when it names a record
    in its path or pages through a list (a page past the end), 401/403/429 when it needs sign-in."""
    parameters = operation.get("parameters", [])
    codes = []
    # A write can be refused by its service (a state that does not allow it: "only a draft can be
    # submitted") even when it takes no input; a read only when it takes some.
    if method != "get" or "requestBody" in operation or any(p["in"] == "query" for p in parameters):
        codes.append("400")
    # drf-spectacular lists the schemes of an operation that needs sign-in, none for a public one
    # (``auth=[]``), and ``{}`` among them when anonymous callers are let in too.
    security = operation.get("security") or []
    signed_in = bool(security) and {} not in security
    if signed_in:
        codes += ["401", "403"]
    if any(p["in"] == "path" for p in parameters) or any(p["name"] == "page" for p in parameters) or "{" in path:
        codes.append("404")
    if signed_in:
        codes.append("429")
    return codes


def document_errors(result, generator, request, public):
    """Add the error answers, with the ``Error`` or ``FieldErrors`` body, to every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(ERROR, ERROR_SCHEMA)
    schemas.setdefault(FIELD_ERRORS, FIELD_ERRORS_SCHEMA)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue  # a path item's own "parameters", "summary"...
            responses = operation.setdefault("responses", {})
            codes = _error_codes(method, operation, path)
            codes += [code for code in responses if code in DESCRIPTIONS and code not in codes]  # the view's own
            for code in codes:
                body = _ref(FIELD_ERRORS if code == "400" else ERROR)
                existing = responses.get(code)
                if existing is None:
                    responses[code] = {"content": {"application/json": {"schema": body}}, "description": DESCRIPTIONS[code]}
                elif "content" not in existing:  # described in words by the view: add the body
                    existing["content"] = {"application/json": {"schema": body}}
                elif code == "400":  # a body of the view's own (an upload's outcome), or field errors
                    media = existing["content"].setdefault("application/json", {})
                    if media.get("schema") != body:
                        media["schema"] = {"anyOf": [media["schema"], body]} if "schema" in media else body
    return result


def _nullable_through_model(field: serializers.Field) -> bool:
    """Whether ``field``'s source runs through a nullable model field of its serializer's model."""
    if field.default is None:  # ``default=None``: a missing related object reads as null
        return True
    meta = getattr(getattr(field, "parent", None), "Meta", None)
    model = getattr(meta, "model", None)
    attrs = getattr(field, "source_attrs", None) or []
    for attr in attrs:
        if model is None:
            return False
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return False
        if getattr(model_field, "null", False) and not model_field.many_to_many:
            return True
        model = model_field.related_model if model_field.is_relation else None
    return False


def _make_nullable(schema: dict) -> dict:
    if "$ref" in schema or "allOf" in schema and len(schema) == 1:
        # OpenAPI 3.0 ignores siblings of $ref: wrap it.
        return {"allOf": schema.get("allOf") or [schema], "nullable": True}
    return {**schema, "nullable": True}


def mark_nullable(result, generator, request, public):
    """Mark ``nullable`` the answer fields whose value can be null because of the models (see module)."""
    schemas = result.get("components", {}).get("schemas", {})
    for (name, kind), component in generator.registry._components.items():
        serializer = component.object
        if kind != ResolvedComponent.SCHEMA or not isinstance(serializer, serializers.BaseSerializer):
            continue
        properties = schemas.get(name, {}).get("properties")
        if not properties or name.endswith("Request"):
            continue  # requests say what they accept through allow_null, as written
        for field_name, field in serializer.fields.items():
            schema = properties.get(field_name)
            if schema is None or schema.get("nullable") or isinstance(field, serializers.ListSerializer):
                continue
            if field.default is not empty and field.default is not None:
                continue
            if _nullable_through_model(field):
                properties[field_name] = _make_nullable(schema)
    return result
