"""Isolation: the only place learner code runs, and the boundary around it.

``sandbox`` starts, talks to and kills the worker (bubblewrap or a plain process, with limits);
``worker`` is that process; ``wire`` the bytes between them (JSON and raw float arrays, no
pickle); ``cgroup`` bounds the worker's process tree; ``doctor`` says which isolation this
machine gets. ``worker`` and ``wire`` use only the standard library and NumPy: they are
mounted into the sandbox on their own, without the rest of the grader.
"""
