"""Quizzes: authoring, attempts and grading."""
