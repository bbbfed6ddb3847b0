"""Page support for the human interface: view models built from the store, one module per page kind.

The web layer (``bolekg.web.pages``) only picks the language, calls these builders and renders
their view models with the templates in ``web/templates``.
"""
