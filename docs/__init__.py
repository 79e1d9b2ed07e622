"""The documents that ship inside the package as `resetkit.docs` (docs/security-checks.md, which reports link
to), found through the import system (mocks/resources.py); the rest of this folder is the README's screenshots."""
