"""Official forms and acts: layouts as data (resources/forms/), one QtGui renderer, signed QR codes.

Import the API from ``app.forms.api`` (it loads Qt); this package itself stays light so the CLI
can register its subcommands without importing Qt.
"""
