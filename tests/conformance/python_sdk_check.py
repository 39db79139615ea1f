"""Drives the reference server with Svix's official Python SDK (pinned in requirements.txt).

Usage: python_sdk_check.py <server base url> <admin token>
Exits non-zero, naming the failed step, when the SDK and the server disagree.
"""

import sys

from svix.api import (
    AppPortalAccessIn,
    ApplicationIn,
    ApplicationTokenExpireIn,
    Svix,
    SvixOptions,
)
from svix.exceptions import HttpError, HTTPValidationError

base, admin_token = sys.argv[1], sys.argv[2]
passed = 0
failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


admin = Svix(admin_token, SvixOptions(server_url=base))

# app-portal-access creating the app on the fly (uid equals the path's app id).
out = admin.authentication.app_portal_access(
    "sdk-app",
    AppPortalAccessIn(application=ApplicationIn(name="SDK app", uid="sdk-app"), feature_flags=["beta"]),
)
check("app_portal_access returns a token and a magic link", out.token.startswith("appsk_") and "#key=" in out.url, repr(out))

# The same app again (found by uid), with defaults.
again = admin.authentication.app_portal_access("sdk-app", AppPortalAccessIn())
check("app_portal_access finds the app by uid", again.token != out.token)

# 404 for an unknown app, decoded by the SDK as HttpError with code and detail.
try:
    admin.authentication.app_portal_access("missing-app", AppPortalAccessIn())
    check("unknown app is 404", False, "no error raised")
except HttpError as e:
    check("unknown app is 404 HttpError(not_found)", e.status_code == 404 and e.code == "not_found", f"{e.status_code} {e.code}")

# 422 decoded by the SDK as HTTPValidationError with loc/msg/type.
try:
    admin.authentication.app_portal_access("bad id!", AppPortalAccessIn())
    check("invalid app id is 422", False, "no error raised")
except HTTPValidationError as e:
    check("invalid app id is 422 HTTPValidationError at path.app_id", e.status_code == 422 and list(e.detail[0].loc) == ["path", "app_id"], repr(e.detail))

# expire-all, immediate and with a grace period.
admin.authentication.expire_all("sdk-app", ApplicationTokenExpireIn(expiry=60))
check("expire_all with a grace period answers 204", True)

# logout with an app portal session token (an SDK call without a body or Content-Type).
session = admin.authentication.app_portal_access("sdk-app", AppPortalAccessIn()).token
user = Svix(session, SvixOptions(server_url=base))
user.authentication.logout()
check("logout of a session token answers 204", True)
try:
    user.authentication.logout()
    check("a second logout is refused", False, "no error raised")
except HttpError as e:
    check("a second logout is 401 authentication_failed", e.status_code == 401 and e.code == "authentication_failed", f"{e.status_code} {e.code}")

# The admin token cannot log out.
try:
    admin.authentication.logout()
    check("admin logout is refused", False, "no error raised")
except HttpError as e:
    check("admin logout is 403", e.status_code == 403, f"{e.status_code} {e.code}")

admin.authentication.expire_all("sdk-app", ApplicationTokenExpireIn())
check("expire_all without expiry answers 204", True)

print(f"sdk: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
