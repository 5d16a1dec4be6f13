"""Virtual showrooms: pavilions, stands, products, search, leads (issue 7)."""
