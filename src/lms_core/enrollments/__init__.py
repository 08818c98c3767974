"""Enrolments: a learner's path through a course, progress, completion and reviews."""
