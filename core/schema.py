"""The API schema documents every error an operation can answer, in the one shape ``{code, message, details}``.

drf-spectacular documents the success responses it can infer; this postprocessing hook adds the 4xx answers that
core.api's exception handler produces, each with an example, so that a client (and schemathesis) knows them.
"""

ERROR_SCHEMA_NAME = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every API error: a stable code, a message for people, and details (field errors, allowed "
    "actions, the state that refused).",
    "properties": {
        "code": {"type": "string", "example": "invalid"},
        "message": {"type": "string", "example": "The request is not valid."},
        "details": {"type": "object", "additionalProperties": True},
    },
    "required": ["code", "message", "details"],
}

# status -> (description, example); "write" marks the answers only a request with a body can get.
ERRORS = {
    "400": (
        "The request is not valid: a field, a query parameter or the JSON itself (parse_error).",
        {
            "code": "invalid",
            "message": "The request is not valid.",
            "details": {"requested_amount": ["Ensure this value is greater than or equal to 1."]},
        },
        False,
    ),
    "401": (
        "No valid credentials (a missing, wrong or expired token).",
        {
            "code": "not_authenticated",
            "message": "Authentication credentials were not provided.",
            "details": {},
        },
        False,
    ),
    "403": (
        "The user may see the object but not take this action, or is not signed in by session.",
        {
            "code": "permission_denied",
            "message": "You do not have permission to perform this action.",
            "details": {},
        },
        False,
    ),
    "404": (
        "No such object, or one the user may not see (the API never confirms that it exists).",
        {"code": "not_found", "message": "Not found.", "details": {}},
        False,
    ),
    "409": (
        "The request is well formed but the object's state refuses it (an illegal transition, a duplicate, an "
        "idempotency key reused with another body).",
        {
            "code": "illegal_transition",
            "message": "A case in status “Draft” cannot be moved by “withdraw”.",
            "details": {"status": "draft", "action": "withdraw", "allowed": ["submit"]},
        },
        True,
    ),
    "415": (
        "The body's content type is not one the operation reads.",
        {
            "code": "unsupported_media_type",
            "message": 'Unsupported media type "text/plain" in request.',
            "details": {},
        },
        True,
    ),
    "429": (
        "Too many requests: wait as long as the Retry-After header says.",
        {"code": "throttled", "message": "Request was throttled.", "details": {}},
        False,
    ),
}
WRITE_METHODS = {"post", "put", "patch", "delete"}
IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 100},
    "description": "Retry safely: the same key, user and body within 24 hours is answered with the first success "
    "(header Idempotent-Replayed: true); the key with another body is a 409 idempotency_mismatch. Keys are the "
    "organisation's own (core/idempotency.py).",
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error component and every operation's 4xx answers."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if method == "post":
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                    parameters.append(IDEMPOTENCY_HEADER)
            for status, (description, example, write_only) in ERRORS.items():
                if write_only and method not in WRITE_METHODS:
                    continue
                documented = operation["responses"].get(status)
                if documented is None:
                    operation["responses"][status] = {
                        "description": description,
                        "content": {"application/json": {"schema": reference, "example": example}},
                    }
                    continue
                # An operation that documents its own body for this status (the CSV import's per-row refusals)
                # can still answer the error shape (a file of the wrong type): either one.
                for media in documented.get("content", {}).values():
                    if media.get("schema") not in (None, reference):
                        media["schema"] = {"oneOf": [media["schema"], reference]}
    return result
