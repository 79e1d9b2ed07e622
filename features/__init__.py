"""The Gherkin features. This file makes the folder the package `resetkit.features`, so the feature files ship as
package data and are found through the import system, from a wheel and from a checkout alike (mocks/resources.py)."""
