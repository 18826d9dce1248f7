"""Reporting: what people read. The HTML report, the class dashboard, the terminal output.

``report`` and ``dashboard`` render the Jinja2 templates in ``templates/``; ``terminal`` is
``grader check``'s coloured feedback; ``summary`` the plain-text summaries of ``grade`` and
``batch``; ``wording`` the sentences they share with the exporters.
"""
