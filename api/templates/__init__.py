"""The server-rendered pages: Jinja2 templates (``*.html``, ``*.svg``) in this folder, every
value autoescaped, and the Python that prepares what they show."""
