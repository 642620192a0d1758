import hashlib

from rest_framework.throttling import SimpleRateThrottle


class LoginThrottle(SimpleRateThrottle):
    """Limits sign-in attempts per client address and per username, so guessing is slow from one
    address and against one account from many."""

    scope = "login"

    def get_cache_key(self, request, view):
        username = ""
        if isinstance(getattr(request, "data", None), dict):
            username = str(request.data.get("username", ""))[:150].lower()
        # Hashed: a username may hold any character (spaces, NUL), which cache keys must not.
        digest = hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": f"{self.get_ident(request)}|{digest}"}
