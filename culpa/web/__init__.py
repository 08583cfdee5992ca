"""The workbench in a web browser: search, read, tag and annotate a case (``culpa serve``).

Everything is served by the installed package from 127.0.0.1; nothing is
loaded from any other origin. See :mod:`culpa.web.app`.
"""
