"""Adapters: everything that touches the outside world, and the composition root (`bootstrap`)."""
