"""The synthetic demo company: a B2B wholesaler whose sales grow while its profit falls (docs/demo.md)."""
