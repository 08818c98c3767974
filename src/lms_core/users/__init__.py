"""Users: accounts, profiles, roles and activation."""
