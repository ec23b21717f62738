"""Domain errors. Every message is Simplified Chinese and says what to fix."""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    @property
    def fields(self) -> dict[str, str]:
        return {self.field: self.message} if self.field else {}


class ValidationError(DomainError):
    """Bad input: names the field and what to do."""

    code = "invalid"
    status = 400

    def __init__(self, field: str, reason: str, *, code: str | None = None) -> None:
        super().__init__(reason, code=code, field=field)


class MultiValidationError(DomainError):
    """Several fields wrong at once (forms, imports)."""

    code = "invalid"
    status = 400

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("；".join(problems.values()))
        self.problems = problems

    @property
    def fields(self) -> dict[str, str]:
        return dict(self.problems)


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    """The object is not in a state that allows this action."""

    code = "conflict"
    status = 409
