"""Courses and lessons: the catalogue, authoring and publishing."""
