"""The web console for staff and admins: aiohttp + Jinja2, server-rendered, assets local.

A user interface like the bot, so it lives beside it and enters the corpus through
``corpus.api`` only. ``server`` builds the application; ``auth`` signs people in and
checks roles and CSRF on every request; the pages are ``log_pages`` (admins),
``issue_pages`` and ``try_page`` (staff).
"""
