"""The public front: home page, language choice, help pages and error pages."""
