"""Schemathesis hooks: the one cross-field rule openapi.json cannot state.

Creating an app through app-portal-access requires `application.uid` to equal the path's
`app_id` (the server answers 422 otherwise, as the README documents). JSON Schema cannot relate a
body field to a path parameter, so for *positive* (schema-valid) cases that carry an
`application`, the generator is told the rule by copying the path's `app_id` into
`application.uid`. Negative cases are left untouched, and no check is disabled.
"""

import schemathesis
from schemathesis.generation.modes import GenerationMode

PORTAL = "/api/v1/auth/app-portal-access/{app_id}"


@schemathesis.hook
def map_case(context, case):
    if case.path != PORTAL:
        return case
    meta = case._meta
    if meta is not None and meta.generation.mode != GenerationMode.POSITIVE:
        return case
    app_id = case.path_parameters.get("app_id") if isinstance(case.path_parameters, dict) else None
    if isinstance(case.body, dict) and isinstance(case.body.get("application"), dict) and isinstance(app_id, str):
        case.body["application"]["uid"] = app_id
    return case
