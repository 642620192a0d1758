"""Role checks shared by the API views."""
from __future__ import annotations

from rest_framework.permissions import BasePermission, IsAuthenticated

from server.accounts.models import Role


def role_of(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.effective_role


class HasRole(BasePermission):
    """`HasRole.of("admin", "supervisor")` as a permission class."""

    roles: tuple[str, ...] = ()
    message = "当前角色无权执行此操作"

    @classmethod
    def of(cls, *roles: str) -> type["HasRole"]:
        return type(f"HasRole_{'_'.join(roles)}", (cls,), {"roles": tuple(roles)})

    def has_permission(self, request, view) -> bool:
        return role_of(request.user) in self.roles


IsAdmin = HasRole.of(Role.ADMIN)


class SignedIn(IsAuthenticated):
    """The default permission (settings.REST_FRAMEWORK): any signed-in user, except that an
    operator's account (role `enterprise`, contract §1) is refused unless the view says
    `enterprise_access = True`. An operator sees nothing but what §1/§9/§10 grant it, so an endpoint
    written for staff roles never serves one by accident (selectors that fall through to "the rest"
    for an unknown role). Views listing roles with HasRole name `enterprise` themselves when they
    serve it."""

    message = "企业用户无权访问此接口 (not available to enterprise accounts)"

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if role_of(request.user) == Role.ENTERPRISE:
            return bool(getattr(view, "enterprise_access", False))
        return True
