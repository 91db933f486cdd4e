"""The assignments tests' course (FISH-1: an instructor, a coordinator, Alice from Senegal in
French, Bob from Bolivia in Spanish, one assignment; OTHER-1 with another instructor)."""
from tests.assignments.conftest import quick_user, signed_in, world  # noqa: F401
