"""The REST API under /api/v1/: thin views over changes.services and changes.permissions."""
