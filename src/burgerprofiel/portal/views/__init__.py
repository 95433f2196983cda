"""The citizen portal's pages, one module per area; ``portal/urls.py`` mounts them."""
