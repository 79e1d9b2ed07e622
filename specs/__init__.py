"""The OpenAPI contracts. This file makes the folder the package `resetkit.specs`, so the YAML files ship as package
data and are found through the import system, from a wheel and from a checkout alike (mocks/resources.py)."""
