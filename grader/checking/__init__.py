"""Checking: running the exercise checks against a learner's code, and scoring them.

``checks`` is the vocabulary check authors write in (the one import they need); ``diagnose``
compares values and names mistakes; ``inputs`` gives a run its inputs and reference (hidden or
public); ``session`` talks to the worker per exercise; ``runner`` runs the checks with pytest;
``scoring`` turns outcomes into scores and statuses.
"""
