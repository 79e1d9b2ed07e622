"""The vendors resetkit knows. Each has a spec (`specs/<name>.yaml`), a server record (`vendors/<name>`), a client
record (`clients/<name>`) and its features (`features/<name>/`), all found by this name: adding a vendor is adding
those and one line here."""

from __future__ import annotations

VENDORS = ("placewise", "zitadel", "socialid", "leadsquared")
