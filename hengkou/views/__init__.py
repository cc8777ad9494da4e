"""The site's pages, one module per area (the bulletin and the overview have their own packages)."""
