"""Data into and out of the repository: new deals, CRM imports, exports."""
