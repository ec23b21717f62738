"""The demo township (`flask demo load`): data built through the same services as real use."""
