"""Payment provider gateways."""
