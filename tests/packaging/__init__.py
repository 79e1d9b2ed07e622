"""resetkit as users get it: the built wheel and sdist, installed non-editable, and the ci/ templates run as written."""
