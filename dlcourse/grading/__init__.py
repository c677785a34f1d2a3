"""Exercises and grading: the cell format, student copies (``release``) and the grader (``grade``)."""
