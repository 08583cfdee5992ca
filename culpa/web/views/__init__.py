"""The workbench's pages, one module per concern: search, a document, its original
(page images, download), its member list, and the actions (star, tag, note) posted
from them. Each module's ``routes()`` is listed once in
:func:`culpa.web.app.create_app`; views reach the case through :mod:`culpa.web.state`.
"""
