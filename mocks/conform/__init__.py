"""`resetkit conform`: run the contract suites against any target and report per operation and check."""
