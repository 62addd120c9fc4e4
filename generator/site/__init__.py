"""The site's pages as plain data `(path, markdown)`, from Jinja2 templates."""
