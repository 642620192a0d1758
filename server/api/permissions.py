"""Role checks shared by the API views."""
from __future__ import annotations

from rest_framework.permissions import BasePermission

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
