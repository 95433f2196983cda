"""The agency API's operations, one router per area; ``api/api.py`` assembles them."""
