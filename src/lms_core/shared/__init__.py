"""Shared kernel: ids, time, money, pagination, errors, actors, events and the unit-of-work port."""
